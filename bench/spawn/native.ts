// bench/spawn worker: N sequential spawns of /bin/true through the native addon (spawn, or spawnStart with `start`), each reaped by the SIGCHLD reaper.
import * as native from '../../src/sys/index.ts';
import type { SpawnSpec } from '../../src/sys/index.ts';

const n = Number(process.argv[2] ?? 2000);
const viaStart = process.argv[3] === 'start';
// spawnStart's outcomes: counted so that each is seen to come (one per spawn).
let outcomes = 0;
if (viaStart) native.onSpawnOutcomes((list) => { outcomes += list.length; });
let resolveExit: (() => void) | undefined;
let expected = -1;
native.startReaper((statuses) => {
  for (const s of statuses) {
    if (s.pid !== expected) continue;
    if (s.kind !== 'exited' || s.status !== 0) throw new Error(`child ${s.pid} ended ${s.kind} ${s.status}`);
    resolveExit?.();
  }
});

async function once(): Promise<void> {
  const done = new Promise<void>((r) => { resolveExit = r; });
  const spec: SpawnSpec = { argv: ['/bin/true'], env: [], stdio: ['inherit', 'inherit', 'inherit'] };
  expected = viaStart ? native.spawnStart(spec) : native.spawn(spec);
  await done;
}

for (let i = 0; i < 100; i++) await once(); // warm-up
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await once();
const us = Number(process.hrtime.bigint() - t0) / 1000;
native.stopReaper();
if (viaStart) {
  // The last outcome may trail the last exit by a loop turn.
  for (let i = 0; i < 100 && outcomes < n + 100; i++) await new Promise((r) => setTimeout(r, 1));
  native.onSpawnOutcomes(null);
  if (outcomes !== n + 100) throw new Error(`spawnStart: ${outcomes} outcomes for ${n + 100} spawns`);
}
process.stdout.write(`${us.toFixed(0)}\n`);
