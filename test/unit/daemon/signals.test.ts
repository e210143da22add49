// The signal table, cell by cell: every {mode, pid1, container} × signal gives the action init(8) and docs/decisions.md describe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HANDLED_SIGNALS, SIGNAL_TABLE, signalAction, type HandledSignal, type SignalAction, type SignalContext } from '../../../src/daemon/signals.ts';

const reload: SignalAction = { do: 'reload' };
const ignore: SignalAction = { do: 'ignore' };
const emit = (event: string): SignalAction => ({ do: 'emit', event });
const sessionEnd: SignalAction = { do: 'shutdown', event: 'session-end' };
const shutdown: SignalAction = { do: 'shutdown' };
const reexec: SignalAction = { do: 'reexec' };
const reconnect: SignalAction = { do: 'reconnect-bus' };
const none = undefined;
const containerInt: SignalAction = { do: 'shutdown', secondForces: true };

// Columns: system/machine PID 1, system/container PID 1, system/not PID 1, user/not PID 1, user/PID 1,
// and a container's init that is not PID 1 (--container under `docker run --init`).
const CONTEXTS: SignalContext[] = [
  { mode: 'system', pid1: true, container: false },
  { mode: 'system', pid1: true, container: true },
  { mode: 'system', pid1: false, container: false },
  { mode: 'user', pid1: false, container: false },
  { mode: 'user', pid1: true, container: true },
  { mode: 'system', pid1: false, container: true },
];
const EXPECTED: Record<HandledSignal, Array<SignalAction | undefined>> = {
  SIGHUP: [reload, reload, reload, reload, reload, reload],
  SIGINT: [emit('control-alt-delete'), containerInt, emit('control-alt-delete'), sessionEnd, sessionEnd, containerInt],
  SIGQUIT: [none, shutdown, none, none, none, shutdown],
  SIGTERM: [reexec, shutdown, shutdown, sessionEnd, sessionEnd, shutdown],
  SIGWINCH: [emit('keyboard-request'), emit('keyboard-request'), emit('keyboard-request'), emit('keyboard-request'), emit('keyboard-request'), emit('keyboard-request')],
  SIGPWR: [emit('power-status-changed'), emit('power-status-changed'), emit('power-status-changed'), emit('power-status-changed'), emit('power-status-changed'), emit('power-status-changed')],
  SIGPIPE: [ignore, ignore, ignore, ignore, ignore, ignore],
  SIGUSR1: [reconnect, reconnect, reconnect, ignore, ignore, reconnect],
};

for (const signal of HANDLED_SIGNALS) {
  test(`${signal} in every context`, () => {
    CONTEXTS.forEach((ctx, i) => {
      assert.deepEqual(signalAction(ctx, signal), EXPECTED[signal][i], `${signal} in ${JSON.stringify(ctx)}`);
    });
  });
}

test('the first matching row wins, and a field left out matches anything', () => {
  const table = [
    { signal: 'SIGTERM' as const, pid1: true, action: emit('first') },
    { signal: 'SIGTERM' as const, action: emit('second') },
  ];
  assert.deepEqual(signalAction({ mode: 'system', pid1: true, container: true }, 'SIGTERM', table), emit('first'));
  assert.deepEqual(signalAction({ mode: 'user', pid1: false, container: false }, 'SIGTERM', table), emit('second'));
  assert.equal(signalAction({ mode: 'user', pid1: false, container: false }, 'SIGHUP', table), undefined);
});

test('every row names a signal the daemon can handle', () => {
  for (const row of SIGNAL_TABLE) assert.ok((HANDLED_SIGNALS as readonly string[]).includes(row.signal), row.signal);
});
