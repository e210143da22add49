// Native spawn failures: each stage comes back synchronously as SpawnError {stage, errno, code}, with no child left.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as native from '../../../src/sys/index.ts';
import type { SpawnSpec } from '../../../src/sys/index.ts';
import { SpawnError } from '../../../src/sys/spawnError.ts';
import { allStatuses, SH_ENV, stopReaping, waitEnd } from './helpers/reap.ts';

const dir = mkdtempSync(join(tmpdir(), 'upstart-spawnerr-'));
const notExec = join(dir, 'not-executable');
writeFileSync(notExec, '#!/bin/sh\n');
chmodSync(notExec, 0o644);
after(() => { rmSync(dir, { recursive: true, force: true }); stopReaping(); });

const base: SpawnSpec = { argv: ['true'], env: SH_ENV };
const cases: Array<{ name: string; spec: SpawnSpec; stage: string; code: string; mentions?: string }> = [
  { name: 'missing binary', spec: { argv: ['/nonexistent/daemon'], env: [] }, stage: 'exec', code: 'ENOENT', mentions: '/nonexistent/daemon' },
  { name: 'binary not on PATH', spec: { argv: ['no-such-command-xyz'], env: SH_ENV }, stage: 'exec', code: 'ENOENT', mentions: 'no-such-command-xyz' },
  { name: 'binary not executable', spec: { argv: [notExec], env: [] }, stage: 'exec', code: 'EACCES', mentions: notExec },
  { name: 'missing working directory', spec: { ...base, cwd: join(dir, 'nope') }, stage: 'chdir', code: 'ENOENT', mentions: 'nope' },
  { name: 'missing chroot', spec: { ...base, chroot: join(dir, 'nope') }, stage: 'chroot', code: 'ENOENT' },
  { name: 'soft limit above hard', spec: { ...base, rlimits: { core: { soft: 100, hard: 10 } } }, stage: 'rlimit', code: 'EINVAL' },
  { name: 'bad stdio fd', spec: { ...base, stdio: ['null', 987, 'null'] }, stage: 'stdio', code: 'EBADF' },
  { name: 'bad kept fd', spec: { ...base, keepFds: [986] }, stage: 'keepfds', code: 'EBADF' },
  { name: 'unknown user', spec: { ...base, user: 'no-such-user-xyz' }, stage: 'user', code: 'ENOENT' },
  { name: 'unknown group', spec: { ...base, group: 'no-such-group-xyz' }, stage: 'group', code: 'ENOENT' },
  { name: 'missing cgroup', spec: { ...base, cgroups: [join(dir, 'no-cgroup')] }, stage: 'cgroup', code: 'ENOENT' },
  { name: 'controlling tty that is not a tty', spec: { ...base, stdio: ['null', 'null', 'null'], setsid: true, controllingTty: true }, stage: 'ctty', code: 'ENOTTY' },
];

for (const c of cases) {
  test(`spawn fails at stage ${c.stage}: ${c.name}`, () => {
    assert.throws(() => native.spawn(c.spec), (err: unknown) => {
      assert.ok(err instanceof SpawnError);
      assert.equal(err.stage, c.stage);
      assert.equal(err.code, c.code);
      assert.ok(err.errno > 0);
      if (c.mentions) assert.ok(err.message.includes(c.mentions), err.message);
      return true;
    });
  });
}

test('a failed child is reaped by spawn itself, the reaper never sees it', async () => {
  const before = allStatuses.length;
  assert.throws(() => native.spawn({ argv: ['/nonexistent'], env: [] }), SpawnError);
  const pid = native.spawn({ argv: ['true'], env: SH_ENV });
  await waitEnd(pid);
  assert.deepEqual(allStatuses.slice(before).map((s) => s.pid), [pid]);
});

test('bad options are TypeErrors before reaching C', () => {
  assert.throws(() => native.spawn({ argv: [], env: [] }), TypeError);
  assert.throws(() => native.spawn({ argv: ['true'], env: ['A\0B'] }), TypeError);
  // A NUL anywhere in an entry (first, last, after an empty one), or a non-string entry, is refused.
  for (const env of [['A=1', 'B=2\0'], ['\0'], ['\0A=1'], ['A=1', '', 'C\0=3']]) {
    assert.throws(() => native.spawn({ argv: ['true'], env }), /env.*NUL/, JSON.stringify(env));
  }
  assert.throws(() => native.spawn({ argv: ['true'], env: ['A=1', 2 as unknown as string] }), TypeError);
  assert.throws(() => native.spawn({ ...base, umask: 0o10000 }), TypeError);
  assert.throws(() => native.spawn({ ...base, nice: 40 }), TypeError);
  assert.throws(() => native.spawn({ ...base, keepFds: [1] }), TypeError);
});
