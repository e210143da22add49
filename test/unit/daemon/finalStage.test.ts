// PID 1's final stage with a fake sys: TERM, KILL only for what stays, sync, remounts only in the first PID namespace, then reboot(2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diskMountsOf, finalStage, type FinalSys } from '../../../src/daemon/finalStage.ts';

function fakeSys(o: { stayAfterTerm: boolean; initial: boolean; rebootFails?: boolean }): FinalSys & { calls: string[] } {
  const calls: string[] = [];
  let alive = true;
  return {
    calls,
    killAll: (signal) => {
      if (signal !== 0) calls.push(`kill -1 ${signal}`);
      if (signal === 'TERM' && !o.stayAfterTerm) alive = false;
      if (signal === 'KILL') alive = false;
      return alive || signal !== 0;
    },
    sync: () => calls.push('sync'),
    initialPidNamespace: () => o.initial,
    diskMounts: () => ['/home', '/'],
    remountReadOnly: (t) => { calls.push(`remount ro ${t}`); if (t === '/home') throw new Error('EBUSY'); },
    reboot: (cmd) => { calls.push(`reboot ${cmd}`); if (o.rebootFails) throw new Error('EPERM'); },
    sleep: async () => undefined,
  };
}

test('in a child PID namespace: TERM, no KILL when all went, sync, no remount, reboot(POWER_OFF)', async () => {
  const sys = fakeSys({ stayAfterTerm: false, initial: false });
  const logs: string[] = [];
  await finalStage('poweroff', sys, (_l, m) => logs.push(m), { termGraceMs: 1000 });
  assert.deepEqual(sys.calls, ['kill -1 TERM', 'sync', 'reboot POWER_OFF']);
  assert.deepEqual(logs, ['Sending all processes the TERM signal', 'Syncing filesystems', "not the first PID namespace: filesystems are left as they are (they are the host's)", 'Will now power off']);
});

test('on a machine: KILL after the grace for what ignored TERM, remounts read-only (a failure logged), reboot(RESTART)', async () => {
  const sys = fakeSys({ stayAfterTerm: true, initial: true });
  const logs: string[] = [];
  await finalStage('reboot', sys, (l, m) => logs.push(`${l}: ${m}`), { termGraceMs: 200 });
  assert.deepEqual(sys.calls, ['kill -1 TERM', 'kill -1 KILL', 'sync', 'remount ro /home', 'remount ro /', 'sync', 'reboot RESTART']);
  assert.ok(logs.includes('message: Sending all processes the KILL signal'));
  assert.ok(logs.includes('warn: cannot remount /home read-only: EBUSY'));
  assert.ok(logs.includes('message: Remounted / read-only'));
});

test('a failing reboot(2) is logged and the stage returns (PID 1 keeps running)', async () => {
  const sys = fakeSys({ stayAfterTerm: false, initial: false, rebootFails: true });
  const logs: string[] = [];
  await finalStage('halt', sys, (l, m) => logs.push(`${l}: ${m}`), { termGraceMs: 0 });
  assert.equal(logs.at(-1), 'error: reboot(2) HALT failed: EPERM; init keeps running');
});

test('disk mounts: virtual filesystems left out, innermost first, escapes undone', () => {
  const info = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
    '23 22 0:21 / /proc rw - proc proc rw',
    '24 22 0:5 / /dev rw - devtmpfs udev rw',
    '25 22 8:2 / /srv/my\\040data rw - xfs /dev/sda2 rw',
    '26 22 0:30 / /run rw - tmpfs tmpfs rw',
  ].join('\n');
  assert.deepEqual(diskMountsOf(info), ['/srv/my data', '/']);
});
