// SupervisorNotify: READY=1 and STOPPING=1 go to NOTIFY_SOCKET as one datagram each; a failed send is said once and not tried again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUPERVISOR_VARS, SupervisorNotify } from '../../../src/daemon/supervisorNotify.ts';

test('READY=1 and STOPPING=1 with a STATUS, to the socket given', () => {
  const sent: Array<[string, string]> = [];
  const n = new SupervisorNotify('@/run/sup', (path, data) => sent.push([path, data.toString()]), () => assert.fail('no log'));
  n.ready('user mode, socket /tmp/s');
  n.stopping('stopping every job: SIGTERM');
  assert.deepEqual(sent, [['@/run/sup', 'READY=1\nSTATUS=user mode, socket /tmp/s'], ['@/run/sup', 'STOPPING=1\nSTATUS=stopping every job: SIGTERM']]);
});

test('no NOTIFY_SOCKET (or an empty one): nothing is sent', () => {
  for (const socket of [undefined, '']) {
    const n = new SupervisorNotify(socket, () => assert.fail('nothing to send'), () => assert.fail('no log'));
    n.ready('x');
    n.stopping('y');
  }
});

test('a send that fails is logged once, and the supervisor is not told anything more', () => {
  let sends = 0;
  const logs: string[] = [];
  const n = new SupervisorNotify('/run/gone', () => { sends++; throw new Error('connect: ECONNREFUSED'); }, (level, msg) => logs.push(`${level}: ${msg}`));
  n.ready('x');
  n.stopping('y');
  assert.equal(sends, 1);
  assert.deepEqual(logs, ['warn: cannot notify /run/gone (NOTIFY_SOCKET): connect: ECONNREFUSED; not trying again']);
});

test('the variables a supervisor gives the daemon itself', () => {
  assert.deepEqual([...SUPERVISOR_VARS].sort(), ['LISTEN_FDNAMES', 'LISTEN_FDS', 'LISTEN_PID', 'NOTIFY_SOCKET', 'WATCHDOG_PID', 'WATCHDOG_USEC']);
});
