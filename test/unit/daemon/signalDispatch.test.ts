// A signal's action carried out: reload, emit, the shutdown and its forcing second signal, re-exec, the bus, and errors only logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalDispatch, type SignalHost } from '../../../src/daemon/signalDispatch.ts';

interface Recorded {
  calls: string[];
  logs: string[];
}

function host(over: Partial<SignalHost> = {}): { h: SignalHost; r: Recorded; stop(): void } {
  const r: Recorded = { calls: [], logs: [] };
  let stopping = false;
  const h: SignalHost = {
    log: (level, msg) => { r.logs.push(`${level}: ${msg}`); },
    container: () => false,
    reload: async () => { r.calls.push('reload'); },
    emit: async (event) => { r.calls.push(`emit ${event}`); },
    stopping: () => stopping,
    shutdown: (reason, event) => { r.calls.push(`shutdown ${reason} ${event ?? '-'}`); stopping = true; },
    force: (signal) => { r.calls.push(`force ${signal}`); },
    reexec: async () => { r.calls.push('reexec'); },
    joinBus: () => { r.calls.push('join'); return true; },
    ...over,
  };
  return { h, r, stop: () => { stopping = true; } };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('reload, emit and re-exec reach the host; their failures are logged, not thrown', async () => {
  const { h, r } = host({
    reload: () => Promise.reject(new Error('bad dir')),
    emit: () => Promise.reject(new Error('gone')),
    reexec: () => Promise.reject(new Error('no state')),
  });
  const d = new SignalDispatch(h);
  d.run('SIGHUP', { do: 'reload' });
  d.run('SIGWINCH', { do: 'emit', event: 'keyboard-request' });
  d.run('SIGTERM', { do: 'reexec' });
  await settle();
  assert.deepEqual(r.logs, [
    'info: SIGHUP: reloading the configuration',
    'info: emitting keyboard-request',
    'info: SIGTERM: re-executing',
    'error: reload: bad dir',
    'error: SIGTERM: no state',
  ]);
});

test('a shutdown starts once; the same signal again forces it only where the row says so', () => {
  const { h, r } = host();
  const d = new SignalDispatch(h);
  d.run('SIGINT', { do: 'shutdown', secondForces: true });
  d.run('SIGTERM', { do: 'shutdown' });
  d.run('SIGINT', { do: 'shutdown', secondForces: true });
  assert.deepEqual(r.calls, ['shutdown SIGINT -', 'force SIGINT']);
  assert.deepEqual(r.logs, ['info: SIGINT: stopping every job (SIGINT again forces it)', 'info: SIGTERM: already stopping every job']);
});

test('a signal that did not start the shutdown does not force it', () => {
  const { h, r } = host();
  const d = new SignalDispatch(h);
  d.run('SIGTERM', { do: 'shutdown' });
  d.run('SIGINT', { do: 'shutdown', secondForces: true });
  assert.deepEqual(r.calls, ['shutdown SIGTERM -']);
});

test('a shutdown asked for elsewhere (initctl, a runlevel) makes a signal only say so', () => {
  const { h, r, stop } = host();
  stop();
  new SignalDispatch(h).run('SIGINT', { do: 'shutdown', secondForces: true });
  assert.deepEqual(r.calls, []);
  assert.deepEqual(r.logs, ['info: SIGINT: already stopping every job']);
});

test("a session's shutdown emits its event; a container's is said at the default priority", () => {
  const a = host();
  new SignalDispatch(a.h).run('SIGTERM', { do: 'shutdown', event: 'session-end' });
  assert.deepEqual(a.r.calls, ['shutdown SIGTERM session-end']);
  const b = host({ container: () => true });
  new SignalDispatch(b.h).run('SIGTERM', { do: 'shutdown' });
  assert.deepEqual(b.r.logs, ['message: SIGTERM: stopping every job']);
});

test('the bus: joined again, or said not to be with --no-dbus; ignore warns only with a reason', () => {
  const a = host();
  new SignalDispatch(a.h).run('SIGUSR1', { do: 'reconnect-bus' });
  assert.deepEqual(a.r.calls, ['join']);
  const b = host({ joinBus: () => false });
  const d = new SignalDispatch(b.h);
  d.run('SIGUSR1', { do: 'reconnect-bus' });
  d.run('SIGPIPE', { do: 'ignore' });
  d.run('SIGQUIT', { do: 'ignore', why: 'not handled here' });
  assert.deepEqual(b.r.logs, ['info: SIGUSR1: not joining the system bus: --no-dbus', 'warn: SIGQUIT: not handled here; ignoring']);
});
