// Writes every file generated from the code's tables (help header, man pages, completion, reference pages); --check only compares.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './gen/all.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, text] of Object.entries(generatedFiles())) {
  const abs = join(root, path);
  let cur: string | undefined;
  try {
    cur = readFileSync(abs, 'utf8');
  } catch {
    cur = undefined;
  }
  if (cur === text) continue;
  stale++;
  if (check) {
    process.stderr.write(`generate: ${path} is not current; run \`npm run generate'\n`);
    continue;
  }
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  process.stdout.write(`generate: wrote ${path}\n`);
}
if (check && stale > 0) process.exitCode = 1;
