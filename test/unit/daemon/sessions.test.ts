// Tests for session files: written atomically, listed while their process lives, skipped once it is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSessions, removeSessionFile, sessionDir, writeSessionFile } from '../../../src/daemon/sessions.ts';

test('session dir follows XDG_RUNTIME_DIR', () => {
  assert.equal(sessionDir({ XDG_RUNTIME_DIR: '/run/user/7' }, 7), '/run/user/7/upstart/sessions');
  assert.equal(sessionDir({}, 7), '/tmp/upstart-7/upstart/sessions');
});

test('write, list, skip dead sessions and junk, remove', () => {
  const base = mkdtempSync(join(tmpdir(), 'sessions-'));
  try {
    const dir = join(base, 'upstart', 'sessions');
    const path = writeSessionFile(dir, process.pid, 'unix:path=/tmp/x.sock');
    assert.equal(readFileSync(path, 'utf8'), 'UPSTART_SESSION=unix:path=/tmp/x.sock\n');
    // pid 2^22+1 is above any pid_max: never alive
    writeFileSync(join(dir, '4194305.session'), 'UPSTART_SESSION=unix:path=/dead\n');
    writeFileSync(join(dir, 'notes.txt'), 'junk');
    assert.deepEqual(listSessions(dir), [{ pid: process.pid, session: 'unix:path=/tmp/x.sock' }]);
    removeSessionFile(path);
    assert.deepEqual(listSessions(dir), []);
    assert.deepEqual(listSessions(join(base, 'missing')), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
