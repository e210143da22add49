// unsafeRuntimeDir: what makes /tmp/upstart-UID no place for a session's socket (the real directories: test/privileged/daemon/runtimeDir.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackRuntimeDir, runtimeDir, unsafeRuntimeDir } from '../../../src/daemon/runtimeDir.ts';

const dir = (uid: number, mode: number, kind: 'dir' | 'link' | 'file' = 'dir') => ({
  uid, mode, isDirectory: () => kind === 'dir', isSymbolicLink: () => kind === 'link',
});

test('a directory of the user\'s that no one else may write to is safe, whatever its read bits', () => {
  assert.equal(unsafeRuntimeDir(dir(1000, 0o40700), 1000), undefined);
  assert.equal(unsafeRuntimeDir(dir(1000, 0o40755), 1000), undefined);
});

test('a link, a file, another user\'s directory or one others may write to is refused, saying why', () => {
  assert.equal(unsafeRuntimeDir(dir(1000, 0o120777, 'link'), 1000), 'it is a symbolic link');
  assert.equal(unsafeRuntimeDir(dir(1000, 0o100600, 'file'), 1000), 'it is not a directory');
  assert.equal(unsafeRuntimeDir(dir(1001, 0o40700), 1000), 'it belongs to uid 1001');
  assert.equal(unsafeRuntimeDir(dir(1000, 0o40777), 1000), 'others may write to it (mode 0777)');
  assert.equal(unsafeRuntimeDir(dir(1000, 0o40770), 1000), 'others may write to it (mode 0770)');
  assert.equal(unsafeRuntimeDir(dir(1000, 0o41777), 1000), 'others may write to it (mode 0777)');
});

test('XDG_RUNTIME_DIR when set and not empty, else /tmp/upstart-UID', () => {
  assert.equal(runtimeDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/user/1000');
  assert.equal(runtimeDir({ XDG_RUNTIME_DIR: '' }, 1000), '/tmp/upstart-1000');
  assert.equal(runtimeDir({}, 1000), fallbackRuntimeDir(1000));
});
