// Native spawn: every attribute an unprivileged caller can set, checked from inside the child.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as native from '../../../src/sys/index.ts';
import { PROBE, parseProbe, statFields } from './helpers/probe.ts';
import { readAll, run, SH_ENV, stopReaping, waitEnd } from './helpers/reap.ts';

after(stopReaping);

test('umask, nice, rlimits, oom_score_adj, cwd, env, signal mask and dispositions are set in the child', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-spawn-'));
  try {
    const nofile = native.getrlimit('nofile');
    const hard = nofile.hard === 'unlimited' ? 4096 : Math.min(nofile.hard, 4096);
    const { out, status } = await run({
      argv: ['sh', '-c', PROBE], env: [...SH_ENV, 'FOO=bar baz'],
      umask: 0o027, nice: 7, oomScoreAdj: 345, cwd: dir,
      rlimits: { nofile: { soft: 100, hard }, core: { soft: 0, hard: 'unlimited' } },
    });
    assert.deepEqual(status, { pid: status.pid, kind: 'exited', status: 0, signal: 0, event: 0 });
    const p = parseProbe(out);
    assert.equal(p.umask, '0027');
    assert.equal(p.nice, '7');
    assert.equal(p.nofile, `100/${hard}`);
    assert.equal(p.core, '0/unlimited');
    assert.equal(p.oom, '345');
    assert.equal(p.cwd, dir);
    assert.equal(p.env, 'bar baz');
    // grep was exec'd by the shell: an empty mask and no ignored signals (Node ignores SIGPIPE) mean we reset them.
    assert.equal(p.SigBlk, '0000000000000000');
    assert.equal(p.SigIgn, '0000000000000000');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the child gets exactly the environment given: order, empty values and entries, "=" in values, no "="', async () => {
  // What the addon copies out of the JS array (native/src/spawn_spec.c) is what must come out the other side.
  const env = ['PATH=/usr/bin:/bin', 'EMPTY=', 'EQ=a=b=c', 'NOEQ', '', 'SPACE= x y ', 'ÜTF=żółw', 'LAST=z'];
  const { out } = await run({ argv: ['/usr/bin/env', '-0'], env });
  assert.deepEqual(out.split('\0'), [...env, '']);
  const one = await run({ argv: ['/usr/bin/env', '-0'], env: ['ONLY=1'] });
  assert.equal(one.out, 'ONLY=1\0');
  const none = await run({ argv: ['/usr/bin/env', '-0'], env: [] });
  assert.equal(none.out, '');
});

test('setsid gives a new session and process group; without it the child shares ours', async () => {
  for (const setsid of [true, false]) {
    const { out, pid } = await run({ argv: ['sh', '-c', PROBE], env: SH_ENV, setsid });
    const f = statFields(parseProbe(out).stat!);
    const [pgrp, session] = [Number(f[2]), Number(f[3])];
    if (setsid) assert.deepEqual([pgrp, session], [pid, pid]);
    else assert.notEqual(session, pid);
  }
});

test('a pty slave as stdio and controlling tty: the child is on the tty, output reaches the master', async () => {
  const pty = native.openpty({ raw: true });
  const pid = native.spawn({
    argv: ['sh', '-c', `${PROBE}\ntty`], env: SH_ENV,
    stdio: [pty.slave, pty.slave, pty.slave], setsid: true, controllingTty: true,
  });
  native.closeFd(pty.slave);
  const [out, status] = await Promise.all([readAll(pty.master), waitEnd(pid)]);
  assert.equal(status.kind, 'exited');
  const text = out.toString();
  const f = statFields(parseProbe(text).stat!);
  assert.notEqual(Number(f[4]), 0, 'tty_nr of the child is its controlling tty');
  assert.match(text, new RegExp(`^${pty.path}$`, 'm'));
});

test('argv[0] without a slash is looked up in the PATH of the child environment', async () => {
  const { out } = await run({ argv: ['echo', 'found'], env: ['PATH=/nonexistent:/bin:/usr/bin'] });
  assert.equal(out, 'found\n');
});

test('stdio sources that sit on 0..2 are moved, not clobbered (stderr from a pipe, stdout to /dev/null)', async () => {
  // fds 1 and 2 of the child come from the pipe and /dev/null: 2>&1 style shuffles must not lose one.
  const [r, w] = native.pipe();
  const pid = native.spawn({ argv: ['sh', '-c', 'echo to-stderr >&2; echo to-stdout'], env: SH_ENV, stdio: ['null', 'null', w] });
  native.closeFd(w);
  const [out] = await Promise.all([readAll(r), waitEnd(pid)]);
  assert.equal(out.toString(), 'to-stderr\n');
});

test('keepFds survive exec, every other daemon fd is closed', async () => {
  const [r1, w1] = native.pipe();
  const [r2, w2] = native.pipe();
  const { out } = await run({ argv: ['sh', '-c', `ls /proc/self/fd/${w1} /proc/self/fd/${w2} 2>&1 | sed 's/.*fd.//'`], env: SH_ENV, keepFds: [w1] });
  for (const fd of [r1, w1, r2, w2]) native.closeFd(fd);
  assert.match(out, new RegExp(`^${w1}$`, 'm'));
  assert.match(out, new RegExp(`${w2}': No such file`));
});
