// PID 1's early mounts: only what is not mounted yet, in order, a failure reported and the rest still mounted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EARLY_MOUNTS, makeDevLinks, mountEarly, realLinkOps, realMountOps, type EarlyMount, type MountOps } from '../../../src/daemon/earlyMounts.ts';

function fakeOps(mounted: string[], failing: string[] = [], readOnly: string[] = []): MountOps & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    writable: (p) => !readOnly.includes(p),
    isMountPoint: (p) => mounted.includes(p),
    mkdir: (p) => { calls.push(`mkdir ${p}`); },
    mount: (m) => {
      calls.push(`mount ${m.fstype} ${m.target}`);
      if (failing.includes(m.target)) throw new Error('mount: ENODEV');
    },
  };
}

test('mounts /proc, /sys, /dev, /dev/pts and /run when none is mounted, making each mount point first; /tmp only if read-only', () => {
  const ops = fakeOps([]);
  const r = mountEarly(ops);
  assert.deepEqual(ops.calls, [
    'mkdir /proc', 'mount proc /proc', 'mkdir /sys', 'mount sysfs /sys',
    'mkdir /dev', 'mount devtmpfs /dev', 'mkdir /dev/pts', 'mount devpts /dev/pts', 'mkdir /run', 'mount tmpfs /run',
  ]);
  assert.ok(r.every((x) => x.level === 'debug'));
  const ro = fakeOps(['/proc', '/sys', '/dev', '/dev/pts', '/run'], [], ['/tmp']);
  mountEarly(ro);
  assert.deepEqual(ro.calls, ['mkdir /tmp', 'mount tmpfs /tmp']);
});

test('what is already mounted is left alone; a failure is reported and the rest go on', () => {
  const ops = fakeOps(['/proc', '/dev', '/run'], ['/sys']);
  const r = mountEarly(ops);
  assert.deepEqual(ops.calls, ['mkdir /sys', 'mount sysfs /sys', 'mkdir /dev/pts', 'mount devpts /dev/pts']);
  assert.deepEqual(r, [
    { level: 'warn', msg: 'cannot mount sysfs on /sys: mount: ENODEV' },
    { level: 'debug', msg: 'mounted devpts on /dev/pts' },
  ]);
});

test('the real operations: flags as mount(2) bits, data passed on; a plain directory is not a mount point', () => {
  const seen: unknown[] = [];
  const ops = realMountOps((...a) => { seen.push(a); });
  ops.mount(EARLY_MOUNTS[3] as EarlyMount);
  assert.deepEqual(seen, [['devpts', '/dev/pts', 'devpts', 8 | 2, 'gid=5,mode=0620,ptmxmode=0666']]);
  const dir = mkdtempSync(join(tmpdir(), 'early-mounts-'));
  try {
    assert.equal(ops.isMountPoint(dir), false);
    assert.equal(ops.isMountPoint(join(dir, 'missing')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the /dev links a fresh devtmpfs lacks are made; one already there is left alone; a failure is reported', () => {
  const made: string[] = [];
  const r = makeDevLinks({
    exists: (p) => p === '/dev/stdin',
    symlink: (target, p) => {
      if (p === '/dev/stderr') throw new Error('EROFS');
      made.push(`${p} -> ${target}`);
    },
  });
  assert.deepEqual(made, ['/dev/fd -> /proc/self/fd', '/dev/stdout -> /proc/self/fd/1']);
  assert.deepEqual(r, [
    { level: 'debug', msg: 'linked /dev/fd to /proc/self/fd' },
    { level: 'debug', msg: 'linked /dev/stdout to /proc/self/fd/1' },
    { level: 'warn', msg: 'cannot link /dev/stderr to /proc/self/fd/2: EROFS' },
  ]);
});

test('the real link operations: a dangling link counts as there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'early-links-'));
  try {
    const [fd] = makeDevLinks(realLinkOps, [{ path: join(dir, 'fd'), target: join(dir, 'nowhere') }]);
    assert.equal(fd!.level, 'debug');
    assert.equal(realLinkOps.exists(join(dir, 'fd')), true);
    assert.deepEqual(makeDevLinks(realLinkOps, [{ path: join(dir, 'fd'), target: '/proc/self/fd' }]), []);
    assert.equal(readlinkSync(join(dir, 'fd')), join(dir, 'nowhere'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
