// bench/boot: the cgroup v2 directory under which the C baseline gives each child a cgroup of its own, set up as the daemon sets up its job cgroups.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOwnCgroup } from '../../src/process/cgroupTree.ts';

export type BaselineCgroups = { dir: string; remove(): void } | { why: string };

/**
 * Makes BASE under this process's own cgroup (the daemon makes its base under its own, which is
 * the same one: the bench starts it), and enables there what the daemon's job cgroups get (the
 * memory and pids controllers, where cgroup v2 has them and they can be enabled; otherwise none,
 * as for the daemon). `why` when there is no cgroup v2 or no right to make cgroups in it.
 */
export function baselineCgroups(): BaselineCgroups {
  const own = findOwnCgroup();
  if (own === undefined) return { why: 'no cgroup v2 hierarchy is mounted' };
  const ownDir = join(own.mount, own.path);
  const dir = join(ownDir, `upstart-bench-c.${process.pid}`);
  try {
    mkdirSync(dir);
  } catch (err) {
    return { why: `cannot make ${dir}: ${(err as Error).message}` };
  }
  for (const c of ['memory', 'pids']) {
    for (const d of [ownDir, dir]) {
      try {
        if (!readFileSync(join(d, 'cgroup.controllers'), 'utf8').split(/\s+/).includes(c)) break;
        writeFileSync(join(d, 'cgroup.subtree_control'), `+${c}`);
      } catch {
        break; // not delegated here, or processes in ownDir: the daemon's job cgroups go without it too
      }
    }
  }
  return { dir, remove: () => rmdirSync(dir) };
}
