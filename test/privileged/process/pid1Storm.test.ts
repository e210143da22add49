// Privileged: our reaper as PID 1 of a new PID namespace reaps a storm of 1,000 orphans and leaves no zombie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// This file only uses node:child_process; the native reaper runs in the fixture process.
const why = process.getuid?.() !== 0 ? 'needs root (unshare --pid)' : spawnSync('unshare', ['--version']).status !== 0 ? 'needs unshare (util-linux)' : '';
if (why) console.log(`# skipping PID-1 storm: ${why}`);

test('PID 1 in a PID namespace: 1,000 orphans reaped, no zombie left', { skip: why || false }, () => {
  const fixture = fileURLToPath(new URL('./fixtures/pid1Storm.ts', import.meta.url));
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', fixture, '1000'], {
    encoding: 'utf8', timeout: 180000,
  });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { pid: number; shellStatus: number; orphansReaped: number; zombies: number[] };
  assert.equal(report.pid, 1);
  assert.equal(report.shellStatus, 0);
  assert.ok(report.orphansReaped >= 1000, `reaped ${report.orphansReaped}`);
  assert.deepEqual(report.zombies, []);
});
