// The tmpfiles port: systemd-tmpfiles looked up on the job's PATH, run with --create, its failures turned into a clear message.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath, tmpfilesHandler, type RunHelper } from '../../../src/daemon/tmpfiles.ts';
import type { ExitInfo } from '../../../src/process/port.ts';

const dir = mkdtempSync(join(tmpdir(), 'tmpfiles-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, 'systemd-tmpfiles');
writeFileSync(bin, '#!/bin/sh\n');
chmodSync(bin, 0o755);
writeFileSync(join(dir, 'not-executable'), '');

function runner(exit: ExitInfo, output = ''): RunHelper & { calls: Array<{ argv: string[]; env: string[] }> } {
  const calls: Array<{ argv: string[]; env: string[] }> = [];
  const run = async (argv: string[], env: string[]) => {
    calls.push({ argv, env });
    return { exit, output };
  };
  return Object.assign(run, { calls });
}

test('findOnPath: the first executable match; empty entries and non-executables are skipped', () => {
  assert.equal(findOnPath('systemd-tmpfiles', `::/nonexistent:${dir}`), bin);
  assert.equal(findOnPath('not-executable', dir), undefined);
  assert.equal(findOnPath('systemd-tmpfiles', '/nonexistent'), undefined);
});

test('runs systemd-tmpfiles --create with the files, found on the job PATH', async () => {
  const run = runner({ pid: 1, kind: 'exited', status: 0 });
  await tmpfilesHandler(run)(['/a.conf', '/b.conf'], [`PATH=${dir}`, 'OTHER=x']);
  assert.deepEqual(run.calls, [{ argv: [bin, '--create', '/a.conf', '/b.conf'], env: [`PATH=${dir}`] }]);
});

test('a missing program, a failing exit and a signal are errors that say so', async () => {
  await assert.rejects(tmpfilesHandler(runner({ pid: 1, kind: 'exited', status: 0 }))(['/a.conf'], ['PATH=/nonexistent']), /systemd-tmpfiles is not installed \(not found on \/nonexistent\)/);
  const said = 'line 1\n/a.conf:1: Failed to resolve user \'x\'\n';
  await assert.rejects(tmpfilesHandler(runner({ pid: 1, kind: 'exited', status: 65 }, said))(['/a.conf'], [`PATH=${dir}`]),
    { message: "systemd-tmpfiles --create /a.conf exited with status 65: line 1; /a.conf:1: Failed to resolve user 'x'" });
  await assert.rejects(tmpfilesHandler(runner({ pid: 1, kind: 'killed', signal: 'KILL', core: false }))(['/a.conf'], [`PATH=${dir}`]),
    { message: 'systemd-tmpfiles --create /a.conf was killed by SIGKILL' });
});
