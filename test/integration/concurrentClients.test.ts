// 50 initctl clients at once against the real daemon: every one gets its own right answer.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { alive, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
const N = 50;

before(async () => {
  d = await startDaemon({
    worker: 'instance $N\nexec sleep 600\n',
    svc: 'exec sleep 600\n',
    task: 'instance $N\ntask\nexec true\n',
  });
  assert.equal((await d.initctl(['start', 'svc'])).code, 0);
});

after(async () => {
  await d?.stop();
});

test(`${N} clients start ${N} instances at once; each prints its own instance`, async () => {
  const rs = await Promise.all(Array.from({ length: N }, (_, i) => d.initctl(['start', 'worker', `N=${i}`])));
  rs.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^worker \\(${i}\\) start/running, process \\d+\\n$`));
  });
  const list = await d.initctl(['list']);
  assert.equal(list.stdout.split('\n').filter((l) => l.startsWith('worker (')).length, N);
});

test(`${N} mixed readers and writers at once (status, list, emit, start/stop of tasks)`, async () => {
  const jobs = Array.from({ length: N }, (_, i) => {
    switch (i % 5) {
      case 0: return d.initctl(['status', 'svc']).then((r) => assert.match(r.stdout, /^svc start\/running, process \d+\n$/));
      case 1: return d.initctl(['list']).then((r) => assert.match(r.stdout, /^svc start\/running/m));
      case 2: return d.initctl(['emit', `ev-${i}`, `X=${i}`]).then((r) => assert.equal(r.code, 0, r.stderr));
      case 3: return d.initctl(['start', 'task', `N=${i}`]).then((r) => assert.equal(r.stdout, `task (${i}) stop/waiting\n`));
      default: return d.initctl(['status', 'worker', `N=${i}`]).then((r) => assert.match(r.stdout, new RegExp(`^worker \\(${i}\\) start/running, process \\d+\\n$`)));
    }
  });
  await Promise.all(jobs);
});

test(`${N} clients stop ${N} instances at once; every process is gone`, async () => {
  const pids = (await d.initctl(['list'])).stdout.split('\n').flatMap((l) => {
    const m = /^worker \(\d+\) start\/running, process (\d+)$/.exec(l);
    return m ? [Number(m[1])] : [];
  });
  assert.equal(pids.length, N);
  const rs = await Promise.all(Array.from({ length: N }, (_, i) => d.initctl(['stop', 'worker', `N=${i}`])));
  rs.forEach((r, i) => assert.equal(r.stdout, `worker (${i}) stop/waiting\n`, r.stderr));
  await waitUntil('every worker process to be gone', () => pids.every((p) => !alive(p)));
  const list = await d.initctl(['list']);
  assert.match(list.stdout, /^worker stop\/waiting$/m);
});
