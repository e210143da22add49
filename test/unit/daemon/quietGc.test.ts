// startQuietGc (src/daemon/quietGc.ts): after a burst of allocation that grew the heap, one memory-reducing GC once quiet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const QUIET_GC = fileURLToPath(new URL('../../../src/daemon/quietGc.ts', import.meta.url));

// Its own node: the collector sets V8 flags (--expose-gc on V8 12+, incremental marking off around each collection).
const SCRIPT = `
import { getHeapStatistics } from 'node:v8';
import { startQuietGc, QUIET_MS } from ${JSON.stringify(QUIET_GC)};
const q = startQuietGc({ dropFilePages: true });
const used = () => getHeapStatistics().used_heap_size;
// A burst that leaves the heap bigger (kept objects: V8's own GCs cannot make it smaller again before the quiet time).
const keep = [];
for (let i = 0; i < 200000; i++) keep.push({ i, s: 'x' + i });
const before = used();
const deadline = Date.now() + 20000;
while (q.count() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, QUIET_MS / 5));
const after = used();
const runs = q.count();
const dropped = q.droppedBytes();
q.stop();
process.stdout.write(JSON.stringify({ runs, before, after, kept: keep.length, dropped }));
`;

test('a burst of allocation that grew the heap is followed by one collection (and the clean file pages dropped), once the daemon is quiet', async () => {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const r = JSON.parse(out) as { runs: number; before: number; after: number; kept: number; dropped: number };
  assert.equal(r.runs, 1);
  assert.equal(r.kept, 200000);
  // The kept objects stay; the burst's garbage (the arrays keep outgrew, the young generation) goes.
  assert.ok(r.after <= r.before, `heap ${r.before} -> ${r.after}`);
  // Node's start-up code and data, read once (test/native/sys/memory.test.ts checks what stays).
  assert.ok(r.dropped > 1024 * 1024, `dropped ${r.dropped} bytes of file pages`);
});
