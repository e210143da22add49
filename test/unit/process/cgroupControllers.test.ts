// Placing job cgroup limits: on pure cgroup v2 the controller is enabled down to the job cgroups (or refused with the reason); on a hybrid machine a v1 hierarchy takes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CgroupControllers, findV1Hierarchies } from '../../../src/process/cgroupControllers.ts';
import { planCgroupLimits } from '../../../src/process/cgroupLimits.ts';
import { realFs, type Fs } from '../../../src/sys/fs.ts';

const errno = (code: string, p: string): Error => Object.assign(new Error(`${code}: ${p}`), { code });

/**
 * A cgroup v2 tree: a directory's interface files exist for the controllers its parent enables;
 * enabling one in subtree_control needs it in cgroup.controllers, and no process of the directory's
 * own (unless it is the root); memory.max refuses what is not a number or max.
 */
class V2Fs implements Fs {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();
  constructor(readonly root: string, available: string[], readonly busy = new Set<string>()) {
    this.dirs.add(root);
    this.files.set(join(root, 'cgroup.controllers'), available.join(' '));
    this.files.set(join(root, 'cgroup.subtree_control'), '');
  }
  mkdir(p: string): void {
    if (this.dirs.has(p)) throw errno('EEXIST', p);
    if (!this.dirs.has(dirname(p))) throw errno('ENOENT', p);
    this.dirs.add(p);
    this.files.set(join(p, 'cgroup.subtree_control'), '');
    this.files.set(join(p, 'cgroup.procs'), '');
    for (const f of ['memory.max', 'memory.current', 'pids.max', 'pids.current']) this.files.set(join(p, f), '0');
    this.files.set(join(p, 'memory.events'), 'low 0\noom_kill 0\n');
  }
  /** A controller's files show where the parent enables it; cgroup.controllers is what the parent enables. */
  private visible(p: string): boolean {
    const dir = dirname(p);
    const name = p.slice(dir.length + 1);
    if (name === 'cgroup.controllers' && dir !== this.root) return true;
    if (name.startsWith('cgroup.') || dir === this.root) return this.files.has(p);
    return this.files.has(p) && this.readFile(join(dir, 'cgroup.controllers')).split(' ').includes(name.split('.')[0]!);
  }
  rmdir(p: string): void {
    this.dirs.delete(p);
  }
  readFile(p: string): string {
    if (!this.visible(p)) throw errno('ENOENT', p);
    if (p.endsWith('cgroup.controllers') && dirname(p) !== this.root) return this.files.get(join(dirname(dirname(p)), 'cgroup.subtree_control'))!;
    return this.files.get(p)!;
  }
  writeFile(p: string, data: string): void {
    if (!this.visible(p)) throw errno('ENOENT', p);
    const dir = dirname(p);
    if (p.endsWith('cgroup.subtree_control')) {
      const c = data.slice(1);
      if (!this.readFile(join(dir, 'cgroup.controllers')).split(' ').includes(c)) throw errno('ENOENT', p);
      if (dir !== this.root && this.busy.has(dir)) throw errno('EBUSY', p);
      this.files.set(p, `${this.files.get(p)} ${c}`.trim());
      return;
    }
    if (p.endsWith('memory.max') && !/^(\d+|max)$/.test(data)) throw errno('EINVAL', p);
    this.files.set(p, data);
  }
  subdirs(): string[] {
    return [];
  }
  isDir(p: string): boolean {
    return this.dirs.has(p);
  }
}

const memory64 = planCgroupLimits([{ controller: 'memory', key: 'memory.limit_in_bytes', value: '64M' }]);

test('pure v2, daemon in the root cgroup: memory is enabled for the base and memory.max written before anything joins', () => {
  const fs = new V2Fs('/cg', ['memory', 'pids', 'cpu']);
  fs.mkdir('/cg/base');
  const c = new CgroupControllers('/cg', '/cg/base', 'base', fs, '/nonexistent');
  fs.mkdir('/cg/base/job');
  assert.deepEqual(c.apply('job', '/cg/base/job', memory64), []);
  assert.equal(fs.readFile('/cg/base/job/memory.max'), '67108864');
  assert.equal(fs.readFile('/cg/cgroup.subtree_control'), 'memory');
  assert.equal(fs.readFile('/cg/base/cgroup.subtree_control'), 'memory');
  fs.files.set('/cg/base/job/memory.events', 'oom 1\noom_kill 1\n');
  fs.files.set('/cg/base/job/memory.current', '4096');
  assert.deepEqual(c.usage('job', '/cg/base/job'), { memoryCurrent: 4096, oomKills: 1 });
});

test('pure v2, daemon in a cgroup with processes: the reason, naming the stanza and the no-internal-process rule', () => {
  const fs = new V2Fs('/cg', ['memory']);
  fs.mkdir('/cg/session');
  fs.files.set('/cg/cgroup.subtree_control', 'memory');
  fs.busy.add('/cg/session');
  fs.mkdir('/cg/session/base');
  const c = new CgroupControllers('/cg/session', '/cg/session/base', 'base', fs, '/nonexistent');
  fs.mkdir('/cg/session/base/job');
  assert.throws(() => c.apply('job', '/cg/session/base/job', memory64), /^CgroupLimitError: cgroup memory memory.limit_in_bytes 64M: cannot enable the memory controller in \/cg\/session\/cgroup.subtree_control: \/cg\/session has processes of its own/);
});

test('a controller neither v2 nor v1 has, and a value the kernel refuses', () => {
  const fs = new V2Fs('/cg', ['memory']);
  fs.mkdir('/cg/base');
  const c = new CgroupControllers('/cg', '/cg/base', 'base', fs, '/nonexistent');
  fs.mkdir('/cg/base/job');
  assert.throws(() => c.apply('job', '/cg/base/job', planCgroupLimits([{ controller: 'pids', key: 'pids.max', value: '5' }])), /cgroup pids pids.max 5: the pids controller is not available: not in \/cg\/cgroup.controllers, and no cgroup v1 hierarchy has it/);
  assert.throws(() => c.apply('job', '/cg/base/job', planCgroupLimits([{ controller: 'memory', key: 'memory.max', value: 'max' }, { controller: 'memory', key: 'memory.high', value: '1' }])), /cgroup memory memory.high 1: the job's cgroup has no memory.high file/);
});

test('hybrid: the v1 hierarchies of the daemon, by controller, from mountinfo and /proc/self/cgroup', () => {
  const d = mkdtempSync(join(tmpdir(), 'cg-v1-'));
  try {
    writeFileSync(join(d, 'mountinfo'), [
      '31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
      '33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
      '',
    ].join('\n'));
    writeFileSync(join(d, 'cgroup'), '4:memory:/sess/x\n2:cpu,cpuacct:/\n0::/\n');
    const h = findV1Hierarchies(d, realFs);
    assert.deepEqual([...h], [['memory', '/sys/fs/cgroup/memory/sess/x'], ['cpu', '/sys/fs/cgroup/cpu,cpuacct'], ['cpuacct', '/sys/fs/cgroup/cpu,cpuacct']]);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
