// What a main process gets at spawn (SpawnReadiness, fake host): NOTIFY_SOCKET, the watchdog's variables, socket fds from the store, a notification fd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultJobClass, type JobClassSpec } from '../../../src/model/jobClass.ts';
import type { SpawnRequest } from '../../../src/process/port.ts';
import { FdStore } from '../../../src/daemon/fdStore.ts';
import { SpawnReadiness } from '../../../src/daemon/readiness.ts';
import { Watchdog } from '../../../src/daemon/watchdog.ts';
import { FakeClock } from '../../../src/platform/fakeClock.ts';

function setup(spec: Partial<JobClassSpec>) {
  const closed: number[] = [];
  const logs: string[] = [];
  let drained = 0;
  const store = new FdStore({ closeFd: (fd) => closed.push(fd) });
  const watchdog = new Watchdog({ clock: new FakeClock(), kill: () => {}, killTimeout: () => 5, log: () => {} });
  const r = new SpawnReadiness({
    specOf: () => ({ ...defaultJobClass('j'), ...spec }),
    notifySocket: () => '/run/ctl.notify',
    fdStore: store,
    drainNotify: () => { drained++; store.deposit('late', 41); },
    watchdog,
    ready: () => {},
    pipe: () => [50, 51],
    closeFd: (fd) => closed.push(fd),
    log: (_l, m) => logs.push(m),
  });
  return { r, store, watchdog, closed, logs, drained: () => drained };
}

const req = (over: Partial<SpawnRequest> = {}): SpawnRequest => ({
  job: 'j', instance: '', process: 'main', argv: ['x'], env: ['PATH=/bin'], console: 'none', limits: {}, cgroups: [], expect: { kind: 'none' }, ...over,
});

test('a plain job: nothing added; other processes are never touched', () => {
  const { r } = setup({});
  assert.deepEqual(r.prepare(req()).req, req());
  const { r: r2 } = setup({ watchdog: 1 });
  const pre = req({ process: 'pre-start' });
  assert.deepEqual(r2.prepare(pre).req, pre);
});

test('watchdog: NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID written by the child; armed once the spawn succeeded', () => {
  const { r, watchdog } = setup({ watchdog: 1.5 });
  const p = r.prepare(req({ env: ['PATH=/bin', 'WATCHDOG_USEC=9'] }));
  assert.deepEqual(p.req.env, ['PATH=/bin', 'NOTIFY_SOCKET=/run/ctl.notify', 'WATCHDOG_USEC=1500000']);
  assert.deepEqual(p.req.pidEnv, ['WATCHDOG_PID']);
  assert.equal(watchdog.status('j', ''), undefined);
  p.done(123);
  assert.equal(watchdog.status('j', '')!.usec, 1_500_000);
});

test('LISTEN_FDNAMES naming stored fds: fds 3, 4 with LISTEN_FDS, UPSTART_FDS, LISTEN_PID; a missing name drains the notify socket first', () => {
  const { r, store, drained } = setup({});
  store.deposit('a', 30);
  const p = r.prepare(req({ env: ['PATH=/bin', 'LISTEN_FDNAMES=a:late', 'LISTEN_FDS=7'] }));
  assert.equal(drained(), 1);
  assert.deepEqual(p.req.fdMap, [[30, 3], [41, 4]]);
  assert.deepEqual(p.req.env, ['PATH=/bin', 'LISTEN_FDS=2', 'LISTEN_FDNAMES=a:late', 'UPSTART_FDS=3 4']);
  assert.deepEqual(p.req.pidEnv, ['LISTEN_PID']);
});

test('a name the store lacks: no activation variables at all, and a warning', () => {
  const { r, logs } = setup({});
  const p = r.prepare(req({ env: ['PATH=/bin', 'LISTEN_FDNAMES=nope', 'UPSTART_FDS=3'] }));
  assert.deepEqual(p.req.env, ['PATH=/bin']);
  assert.equal(p.req.fdMap, undefined);
  assert.match(logs[0]!, /nope not in the daemon's fd store/);
});

test('notification fd: the write end on fd N, closed in the daemon after the spawn (both ends if it failed)', () => {
  const { r, closed } = setup({ notificationFd: 5 });
  const p = r.prepare(req({ expect: { kind: 'event', condition: { kind: 'event', name: 'ready', args: [] } } }));
  assert.deepEqual(p.req.fdMap, [[51, 5]]);
  p.done(undefined);
  assert.deepEqual(closed, [51, 50]);
});
