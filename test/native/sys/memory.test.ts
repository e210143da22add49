// mallocTrim, adjustExternalMemory and dropCleanFilePages (native/src/memory.c): what src/daemon/quietGc.ts calls after a burst.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { adjustExternalMemory, mallocTrim } from '../../../src/sys/memory.ts';

test('mallocTrim gives back the free memory of the malloc arenas (a boolean: whether any went)', () => {
  // Freed C memory: Buffers of more than Node's pool size are malloc'd and freed with their ArrayBuffer.
  const total = (): number => Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 1)).reduce((n, b) => n + b.length, 0);
  assert.equal(total(), 64 * 64 * 1024);
  assert.equal(typeof mallocTrim(), 'boolean');
});

test('adjustExternalMemory counts up and back down by what it is told, and checks its argument', () => {
  const base = adjustExternalMemory(0);
  assert.equal(adjustExternalMemory(4096), base + 4096);
  assert.equal(adjustExternalMemory(-4096), base);
  assert.throws(() => adjustExternalMemory(0.5), /safe integer/);
});

// Its own node: dropping pages of the running binary is what is under test, and it must go on running.
const MEMORY = fileURLToPath(new URL('../../../src/sys/memory.ts', import.meta.url));
const DROP_SCRIPT = `
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { dropCleanFilePages } from ${JSON.stringify(MEMORY)};
const status = (k) => Number(new RegExp('^' + k + ':\\\\s+(\\\\d+) kB', 'm').exec(readFileSync('/proc/self/status', 'utf8'))[1]);
// Every mapping with its Rss and Anonymous kB, by address range.
const areas = () => {
  const out = new Map();
  let key = '';
  for (const l of readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
    const h = /^([0-9a-f]+-[0-9a-f]+) (\\S+) \\S+ \\S+ \\S+\\s*(.*)$/.exec(l);
    if (h) { key = h[1]; out.set(key, { perms: h[2], path: h[3], rss: 0, anon: 0 }); continue; }
    const r = /^(Rss|Anonymous):\\s+(\\d+) kB/.exec(l);
    if (r) out.get(key)[r[1] === 'Rss' ? 'rss' : 'anon'] = Number(r[2]);
  }
  return out;
};
const before = areas();
const fileBefore = status('RssFile');
const dropped = dropCleanFilePages();
const fileAfter = status('RssFile');
const after = areas();
// Mappings that must keep their pages: writable ones, and read-only ones with pages copied on write (RELRO).
const kept = [...before].filter(([, a]) => a.path.startsWith('/') && (a.perms[1] === 'w' || a.anon > 0) && a.rss > 0);
const shrunk = kept.filter(([k, a]) => (after.get(k)?.rss ?? 0) < a.rss).map(([k, a]) => k + ' ' + a.perms + ' ' + a.path);
// Code and data the drop took away, needed again: ICU, the snapshot (a worker's new isolate), the module loader.
const euro = new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(1234.5);
const fromWorker = await new Promise((res, rej) => {
  const w = new Worker('require("node:worker_threads").parentPort.postMessage(JSON.stringify({ ok: [1, 2].map((x) => x * 2) }))', { eval: true, execArgv: [] });
  w.once('message', res);
  w.once('error', rej);
});
const zlib = (await import('node:zlib')).gunzipSync((await import('node:zlib')).gzipSync('again')).toString();
process.stdout.write(JSON.stringify({ dropped, fileBefore, fileAfter, kept: kept.length, shrunk, euro, fromWorker, zlib }));
`;

test('dropCleanFilePages drops the pages read-only file mappings hold, keeps written ones, and the process runs on', async () => {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', DROP_SCRIPT], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const r = JSON.parse(out) as { dropped: number; fileBefore: number; fileAfter: number; kept: number; shrunk: string[]; euro: string; fromWorker: string; zlib: string };
  // A node that has loaded tsx holds megabytes of its binary; most of it leaves (what the next lines run comes back).
  assert.ok(r.dropped > 4 * 1024 * 1024, `dropped ${r.dropped} bytes`);
  assert.ok(r.fileAfter < r.fileBefore - (r.dropped / 1024) / 2, `RssFile ${r.fileBefore} -> ${r.fileAfter} kB after dropping ${r.dropped} bytes`);
  assert.ok(r.kept > 0, 'node has writable file mappings (its .data): they are what must stay');
  assert.deepEqual(r.shrunk, []);
  assert.equal(r.euro.replace(/\s/g, ' '), '1.234,50 €');
  assert.equal(r.fromWorker, JSON.stringify({ ok: [2, 4] }));
  assert.equal(r.zlib, 'again');
});
