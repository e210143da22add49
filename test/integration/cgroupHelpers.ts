// Test helpers for job cgroups: whether this process may make them (why not, if not), and the cgroup a pid is in.
import { readFileSync } from 'node:fs';
import { CgroupTree } from '../../src/process/cgroupTree.ts';

/** '' when this process may make cgroups where a daemon it starts would (root, its own cgroup v2); else why not. */
export function cgroupsUsable(): string {
  if (process.getuid?.() !== 0) return 'needs root (making cgroups)';
  const probe = CgroupTree.create(`upstart-ts-probe.${process.pid}`, () => {});
  if (!(probe instanceof CgroupTree)) return `no usable cgroup v2 here: ${probe.why}`;
  probe.close();
  return '';
}

/** The cgroup v2 path of pid, as /proc/PID/cgroup's `0::` line gives it. */
export function cgroupOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))!.slice(3);
}
