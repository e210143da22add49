// Native execve: a Node process replaces itself with a Node script and keeps exactly the fds it chose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file uses node:child_process, so it must never start the native reaper (it would steal the children).
test('execve keeps an fd without close-on-exec open and closes the others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-reexec-'));
  try {
    const file = join(dir, 'out');
    const fixture = fileURLToPath(new URL('./fixtures/reexec.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', fixture, file], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'before');
    assert.equal(lines[1], `after pid=${r.pid} droppedOpen=false`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
