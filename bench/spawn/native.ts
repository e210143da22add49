// bench/spawn worker: N sequential spawns of /bin/true through the native addon, each reaped by the SIGCHLD reaper.
import * as native from '../../src/sys/index.ts';

const n = Number(process.argv[2] ?? 2000);
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
  expected = native.spawn({ argv: ['/bin/true'], env: [], stdio: ['inherit', 'inherit', 'inherit'] });
  await done;
}

for (let i = 0; i < 100; i++) await once(); // warm-up
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await once();
const us = Number(process.hrtime.bigint() - t0) / 1000;
native.stopReaper();
process.stdout.write(`${us.toFixed(0)}\n`);
