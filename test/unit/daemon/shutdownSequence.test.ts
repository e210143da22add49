// The shutdown sequence: jobs stopped, then everything closed, then exit or the machine's final stage; a timeout names what is left, and a container's gives up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shutDown, type ShutdownSequenceHost } from '../../../src/daemon/shutdownSequence.ts';
import type { InstanceStatus } from '../../../src/model/engineApi.ts';

function host(over: Partial<ShutdownSequenceHost> & { stop?: () => Promise<void> } = {}): { h: ShutdownSequenceHost; calls: string[] } {
  const calls: string[] = [];
  const running: InstanceStatus = { job: 'web', instance: 'a', goal: 'start', state: 'running', processes: [] };
  const h: ShutdownSequenceHost = {
    engine: {
      shutdown: (req) => { calls.push(`engine.shutdown ${req.event?.name ?? '-'}`); return (over.stop ?? (() => Promise.resolve()))(); },
      classes: () => [{ name: 'web' }],
      status: () => [running],
    },
    timeoutS: 30,
    container: false,
    machine: false,
    log: (level, msg) => { calls.push(`${level}: ${msg}`); },
    giveUp: () => { calls.push('giveUp'); },
    closeAll: async () => { calls.push('closeAll'); },
    finalStage: async (action) => { calls.push(`finalStage ${action}`); },
    exit: () => { calls.push('exit'); },
    ...over,
  };
  return { h, calls };
}

test('exit: the event first, the jobs stopped, everything closed, then the daemon exits', async () => {
  const { h, calls } = host();
  await shutDown({ reason: 'SIGTERM', action: 'exit', event: { name: 'session-end', env: [] } }, h);
  assert.deepEqual(calls, ['engine.shutdown session-end', 'closeAll', 'exit']);
});

test("a machine's PID 1 ends in the final stage and never exits", async () => {
  const { h, calls } = host({ machine: true });
  await shutDown({ reason: 'runlevel 0', action: 'poweroff' }, h);
  assert.deepEqual(calls, ['message: runlevel 0: stopping every job in order, then power off', 'engine.shutdown -', 'closeAll', 'finalStage poweroff']);
});

test('not the init of a machine: a reboot asked for is an exit, and says so', async () => {
  const { h, calls } = host();
  await shutDown({ reason: 'runlevel 6', action: 'reboot' }, h);
  assert.deepEqual(calls.slice(-2), ['message: runlevel 6: not the init of a machine, so exiting instead of restart', 'exit']);
});

test('out of time: what is left is named; a container gives up, a machine goes on without them', async () => {
  for (const container of [true, false]) {
    const { h, calls } = host({ timeoutS: 0.02, container, stop: () => new Promise<void>(() => undefined) });
    await shutDown({ reason: 'SIGTERM', action: 'exit' }, h);
    assert.deepEqual(calls, [
      'engine.shutdown -',
      'warn: shutdown: still running after 0.02 s, going on without them: web (a) start/running',
      ...(container ? ['giveUp'] : []),
      'closeAll',
      'exit',
    ]);
  }
});

test('a failing stop is logged and the daemon still closes and exits', async () => {
  const { h, calls } = host({ stop: () => Promise.reject(new Error('engine broke')) });
  await shutDown({ reason: 'SIGTERM', action: 'exit' }, h);
  assert.deepEqual(calls, ['engine.shutdown -', 'error: shutdown: engine broke', 'closeAll', 'exit']);
});
