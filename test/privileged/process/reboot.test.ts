// Privileged: reboot(2) through the addon, safely — in a child PID namespace it only ends that namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// This file only uses node:child_process; the addon runs in the fixture process (PID 1 of a new namespace).
const why = process.getuid?.() !== 0 ? 'needs root (unshare --pid)' : spawnSync('unshare', ['--version']).status !== 0 ? 'needs unshare (util-linux)' : '';
if (why) console.log(`# skipping reboot: ${why}`);
const fixture = fileURLToPath(new URL('./fixtures/reboot.ts', import.meta.url));

function inNamespace(cmd: string): ReturnType<typeof spawnSync> {
  return spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', fixture, cmd], { encoding: 'utf8', timeout: 60000 });
}

// man 2 reboot: in a non-initial PID namespace, RESTART kills its init with SIGHUP, HALT/POWER_OFF with SIGINT.
for (const [cmd, signal] of [['RESTART', 'SIGHUP'], ['POWER_OFF', 'SIGINT']] as const) {
  test(`reboot ${cmd} as PID 1 of a PID namespace ends it with ${signal}`, { skip: why || false }, () => {
    const r = inNamespace(cmd);
    // unshare --fork re-raises the signal its child died of (util-linux), or reports 128+N.
    assert.ok(r.signal === signal || r.status === 128 + (signal === 'SIGHUP' ? 1 : 2), `status ${r.status} signal ${r.signal} ${String(r.stderr)}`);
  });
}

test('reboot CAD_OFF in a child PID namespace is refused with EINVAL', { skip: why || false }, () => {
  const r = inNamespace('CAD_OFF');
  assert.equal(r.status, 0, String(r.stderr));
  assert.deepEqual(JSON.parse(String(r.stdout).trim()), { code: 'EINVAL' });
});
