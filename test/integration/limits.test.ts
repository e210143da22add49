// The daemon raises its own open-file limit for its ptys and logs, but jobs start with the limit it was given.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDaemon, type DaemonHandle } from './harness.ts';

function nofile(pid: number | 'self'): { soft: number; hard: number } {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  assert.ok(m, `no open-file limit for ${pid}`);
  const n = (s: string): number => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({
    plain: 'exec sleep 600\n',
    limited: 'limit nofile 64 128\nexec sleep 600\n',
  });
});
after(async () => {
  await d?.stop();
});

test('jobs get the open-file limit the daemon started with, unless they set their own', async () => {
  const mine = nofile('self');
  const daemon = nofile(d.proc.pid!);
  assert.ok(daemon.soft >= mine.hard, `daemon soft ${daemon.soft} below its starting hard limit ${mine.hard}`);
  const r = await d.initctl(['start', 'plain']);
  const pid = Number(/process (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(pid > 0, r.stdout + r.stderr);
  assert.deepEqual(nofile(pid), mine);
  const r2 = await d.initctl(['start', 'limited']);
  const pid2 = Number(/process (\d+)/.exec(r2.stdout)?.[1]);
  assert.deepEqual(nofile(pid2), { soft: 64, hard: 128 });
  await d.initctl(['stop', 'plain']);
  await d.initctl(['stop', 'limited']);
});
