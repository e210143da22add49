// bench parse: loads 1,000 job files (generated from ../shared/corpus) cold and warm; ms per file and the ratio to merely reading the bytes.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfDirs } from '../../src/config/sources.ts';
import { parseJob } from '../../src/config/parser.ts';

const COUNT = 1000;
const ROUNDS = 7;
const corpus = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
if (!existsSync(corpus)) {
  console.log(`bench parse: skipped, corpus not found at ${corpus} (../shared is absent)`);
  process.exit(0);
}

const sources = readdirSync(corpus).filter((f) => f.endsWith('.conf')).sort().map((f) => readFileSync(join(corpus, f), 'utf8'));
const root = mkdtempSync(join(tmpdir(), 'upstart-ts-bench-parse-'));
const paths: string[] = [];
const texts: string[] = [];
let bytes = 0;
for (let i = 0; i < COUNT; i++) {
  const sub = join(root, `d${i % 10}`);
  mkdirSync(sub, { recursive: true });
  const text = `# generated copy ${i}\n${sources[i % sources.length]}`;
  const p = join(sub, `job-${i}.conf`);
  writeFileSync(p, text);
  paths.push(p);
  texts.push(text);
  bytes += Buffer.byteLength(text);
}

async function readAll(): Promise<number> {
  const t0 = performance.now();
  await Promise.all(paths.map((p) => readFile(p, 'utf8')));
  return performance.now() - t0;
}

async function loadAll(): Promise<number> {
  const t0 = performance.now();
  const r = await loadConfDirs([root]);
  const ms = performance.now() - t0;
  if (r.classes.size !== COUNT || r.errors.length > 0) throw new Error(`loaded ${r.classes.size} classes with ${r.errors.length} errors`);
  return ms;
}

function parseAll(): number {
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i++) parseJob(texts[i] ?? '', { file: `job-${i}.conf`, name: `job-${i}` });
  return performance.now() - t0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

try {
  // Read once so both sides see the page cache the same way; the parser itself is still cold.
  await readAll();
  const readCold = await readAll();
  const loadCold = await loadAll();
  const reads: number[] = [];
  const loads: number[] = [];
  const parses: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    reads.push(await readAll());
    loads.push(await loadAll());
    parses.push(parseAll());
  }
  const readWarm = median(reads);
  const loadWarm = median(loads);
  const parseWarm = median(parses);
  const f = (ms: number): string => (ms / COUNT).toFixed(4);
  const result = {
    files: COUNT,
    bytes,
    node: process.version,
    cold: { loadMs: loadCold, readMs: readCold, msPerFile: loadCold / COUNT, ratioToRead: loadCold / readCold },
    warm: { loadMs: loadWarm, readMs: readWarm, parseOnlyMs: parseWarm, msPerFile: loadWarm / COUNT, ratioToRead: loadWarm / readWarm },
  };
  console.log(`files ${COUNT}, ${(bytes / 1024).toFixed(0)} KiB, node ${process.version}`);
  console.log(`cold: loadConfDirs ${loadCold.toFixed(1)} ms (${f(loadCold)} ms/file), read-only ${readCold.toFixed(1)} ms, ratio ${(loadCold / readCold).toFixed(2)}`);
  console.log(`warm (median of ${ROUNDS}): loadConfDirs ${loadWarm.toFixed(1)} ms (${f(loadWarm)} ms/file), read-only ${readWarm.toFixed(1)} ms, ratio ${(loadWarm / readWarm).toFixed(2)}; parse only ${parseWarm.toFixed(1)} ms (${f(parseWarm)} ms/file)`);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/parse.json', `${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
