// Finding the daemon's cgroup v2 from /proc (mountinfo and cgroup as a kernel writes them).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOwnCgroup } from '../../../src/process/cgroupTree.ts';

const dir = mkdtempSync(join(tmpdir(), 'cgroup-proc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fakeProc(mountinfo: string, cgroup: string): string {
  const d = mkdtempSync(join(dir, 'self-'));
  writeFileSync(join(d, 'mountinfo'), mountinfo);
  writeFileSync(join(d, 'cgroup'), cgroup);
  return d;
}

test('a unified hierarchy at /sys/fs/cgroup', () => {
  const p = fakeProc(
    '22 1 0:21 / / rw - ext4 /dev/vda rw\n35 22 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n',
    '0::/system.slice/upstart.service\n',
  );
  assert.deepEqual(findOwnCgroup(p), { mount: '/sys/fs/cgroup', path: '/system.slice/upstart.service' });
});

test('a hybrid machine: v1 controllers, and cgroup v2 at /sys/fs/cgroup/unified', () => {
  const p = fakeProc(
    [
      '30 22 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755',
      '31 30 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '32 30 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
      '',
    ].join('\n'),
    '4:memory:/x\n1:cpu:/\n0::/\n',
  );
  assert.deepEqual(findOwnCgroup(p), { mount: '/sys/fs/cgroup/unified', path: '/' });
});

test("a container's cgroup namespace: the mount shows part of the hierarchy; our path is relative to it", () => {
  const p = fakeProc('40 39 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup rw\n', '0::/docker/abc/init\n');
  assert.deepEqual(findOwnCgroup(p), { mount: '/sys/fs/cgroup', path: '/init' });
  const escaped = fakeProc('41 39 0:30 / /mnt/my\\040cgroups rw - cgroup2 cgroup rw\n', '0::/\n');
  assert.deepEqual(findOwnCgroup(escaped), { mount: '/mnt/my cgroups', path: '/' });
});

test('no cgroup v2: none mounted, no 0:: line, or no /proc at all', () => {
  assert.equal(findOwnCgroup(fakeProc('31 30 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n', '0::/\n')), undefined);
  assert.equal(findOwnCgroup(fakeProc('32 30 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n', '4:memory:/\n')), undefined);
  assert.equal(findOwnCgroup(join(dir, 'missing')), undefined);
});

