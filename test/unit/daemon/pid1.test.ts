// PID-1 duties with a fake sys: which are taken on in which context, and that each failure is logged and the rest go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeOnDuties, type Pid1Sys } from '../../../src/daemon/pid1.ts';
import type { SignalContext } from '../../../src/daemon/signals.ts';

function fakeSys(failing: string[] = []): Pid1Sys & { calls: string[] } {
  const calls: string[] = [];
  const call = (what: string): void => {
    calls.push(what);
    if (failing.includes(what)) throw new Error(`${what}: EPERM`);
  };
  return {
    calls,
    setChildSubreaper: (on) => call(`subreaper ${on}`),
    cadOff: () => call('cad-off'),
    kdSigAccept: (path, signal) => call(`kdsigaccept ${path} ${signal}`),
    raiseNofileLimit: (ceiling) => { call(`nofile ${ceiling}`); return ceiling ?? 1024; },
    nrOpen: () => 65536,
  };
}

const run = (ctx: SignalContext, failing: string[] = []): { calls: string[]; logs: string[] } => {
  const sys = fakeSys(failing);
  const logs: string[] = [];
  takeOnDuties(ctx, sys, (level, msg) => logs.push(`${level}: ${msg}`));
  return { calls: sys.calls, logs };
};

test('a machine\'s PID 1 takes Ctrl-Alt-Del and Alt-Up, and raises its fd limit; it is no subreaper', () => {
  assert.deepEqual(run({ mode: 'system', pid1: true, container: false }).calls, ['cad-off', 'kdsigaccept /dev/tty0 WINCH', 'nofile 65536']);
});

test('PID 1 in a container leaves the keyboard alone', () => {
  assert.deepEqual(run({ mode: 'system', pid1: true, container: true }).calls, ['nofile 65536']);
});

test('a session init becomes a child subreaper; a system init that is not PID 1 does not', () => {
  assert.deepEqual(run({ mode: 'user', pid1: false, container: false }).calls, ['subreaper true', 'nofile 65536']);
  assert.deepEqual(run({ mode: 'system', pid1: false, container: false }).calls, ['nofile 65536']);
  // --container below another PID 1 (docker run --init): the jobs' orphans come back to it.
  assert.deepEqual(run({ mode: 'system', pid1: false, container: true }).calls, ['subreaper true', 'nofile 65536']);
});

test('each failure is logged and the next duty is still taken on', () => {
  const r = run({ mode: 'system', pid1: true, container: false }, ['cad-off', 'kdsigaccept /dev/tty0 WINCH', 'nofile 65536']);
  assert.deepEqual(r.calls, ['cad-off', 'kdsigaccept /dev/tty0 WINCH', 'nofile 65536']);
  assert.deepEqual(r.logs, [
    'debug: cannot hand Ctrl-Alt-Del to init: cad-off: EPERM',
    'debug: no keyboard-request from the console: kdsigaccept /dev/tty0 WINCH: EPERM',
    'warn: cannot raise the file descriptor limit: nofile 65536: EPERM',
  ]);
  const s = run({ mode: 'user', pid1: false, container: false }, ['subreaper true']);
  assert.deepEqual(s.logs, ['warn: cannot become a child subreaper: subreaper true: EPERM', 'debug: file descriptor limit raised to 65536']);
});
