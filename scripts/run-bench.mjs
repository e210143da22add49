// Runs a benchmark (bench/NAME.ts or bench/NAME/index.ts) with tsx, or every benchmark when no name is given.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function entry(name) {
  for (const p of [join('bench', `${name}.ts`), join('bench', name, 'index.ts')]) if (existsSync(p)) return p;
  return undefined;
}

const names = process.argv.slice(2);
const all = readdirSync('bench')
  .filter((n) => n !== 'out' && (n.endsWith('.ts') || (statSync(join('bench', n)).isDirectory() && existsSync(join('bench', n, 'index.ts')))))
  .map((n) => n.replace(/\.ts$/, ''))
  .sort();
let status = 0;
for (const name of names.length > 0 ? names : all) {
  const file = entry(name);
  if (file === undefined) {
    console.error(`run-bench: no benchmark named ${name} (expected bench/${name}.ts or bench/${name}/index.ts)`);
    status = 2;
    continue;
  }
  console.log(`== bench ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
