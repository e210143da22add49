// Job cgroup limits on the machine: controllers enabled down to the job cgroups (cgroup v2), or v1 hierarchies on a hybrid machine; settings written, usage read.
import { join } from 'node:path';
import { errCode, type Fs } from '../sys/fs.ts';
import { CgroupLimitError, toV1, type CgroupPlan } from './cgroupLimits.ts';

/** The daemon's own cgroup in each mounted cgroup v1 hierarchy, by controller (a hybrid machine binds most controllers to v1). */
export function findV1Hierarchies(procSelf: string, fs: Fs): Map<string, string> {
  const out = new Map<string, string>();
  let mounts: string;
  let groups: string;
  try {
    mounts = fs.readFile(join(procSelf, 'mountinfo'));
    groups = fs.readFile(join(procSelf, 'cgroup'));
  } catch {
    return out;
  }
  const own = new Map<string, string>();
  for (const l of groups.split('\n')) {
    const m = /^\d+:([^:]+):(.*)$/.exec(l);
    if (m) for (const c of m[1]!.split(',')) own.set(c, m[2]!);
  }
  for (const line of mounts.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const [fstype, , superOpts = ''] = line.slice(dash + 3).split(' ');
    if (fstype !== 'cgroup') continue;
    const f = line.slice(0, dash).split(' ');
    const root = f[3] ?? '/';
    const mount = f[4] ?? '';
    for (const c of superOpts.split(',')) {
      const path = own.get(c);
      if (path === undefined || out.has(c)) continue;
      if (root !== '/' && path !== root && !path.startsWith(`${root}/`)) continue;
      const rel = root === '/' ? path : path.slice(root.length);
      out.set(c, rel === '/' || rel === '' ? mount : join(mount, rel));
    }
  }
  return out;
}

/** Usage of one job cgroup, as `initctl status --json` shows it. */
export interface CgroupUsage {
  memoryCurrent?: number;
  pidsCurrent?: number;
  /** Processes the OOM killer killed in it (memory.events oom_kill; memory.oom_control on v1). */
  oomKills?: number;
}

/** The v1 names of v2 controllers, as /proc/self/cgroup and mount options spell them. */
const V1_NAME: Readonly<Record<string, string>> = { io: 'blkio' };

/**
 * Invariants: a controller is placed once per daemon (v2: enabled in the daemon's and the base's
 * cgroup.subtree_control; v1: the base made in that hierarchy); `v1Dirs` holds, per job cgroup
 * name, the v1 directories made for it, removed by release().
 */
export class CgroupControllers {
  private readonly placed = new Map<string, 'v2' | string>();
  private readonly v1Dirs = new Map<string, string[]>();
  private v1: Map<string, string> | undefined;

  constructor(
    /** The daemon's own cgroup v2 directory, and the base under it. */
    private readonly ownDir: string,
    private readonly baseDir: string,
    private readonly baseName: string,
    private readonly fs: Fs,
    private readonly procSelf = '/proc/self',
  ) {}

  /** Tries to turn on memory and pids accounting for every job cgroup (pure cgroup v2; silent where not allowed). */
  account(): void {
    for (const c of ['memory', 'pids']) {
      try {
        this.placeV2(c);
      } catch {
        // Not delegated to us: jobs that ask for limits get the reason.
      }
    }
  }

  /**
   * Writes the plan's settings into job cgroup NAME (directory DIR, just made, no process in it yet);
   * returns the v1 directories its processes must join as well (AGAIN: written already, only
   * those are returned). Throws CgroupLimitError naming the
   * stanza when a controller is not available or the kernel refuses a value.
   */
  apply(name: string, dir: string, plan: CgroupPlan, again = false): string[] {
    if (again) return this.v1Dirs.get(name) ?? [];
    try {
      return this.applyOnce(name, dir, plan);
    } catch (err) {
      // Nothing runs in them: the v1 directories made for it go now (a later start makes them again).
      this.release(name);
      throw err;
    }
  }

  private applyOnce(name: string, dir: string, plan: CgroupPlan): string[] {
    const joins: string[] = [];
    for (const c of plan.controllers) {
      const where = this.place(c, plan.settings.find((s) => s.controller === c)?.stanza ?? `cgroup ${c}`);
      if (where === 'v2') continue;
      const d = join(where, name);
      if (joins.includes(d)) continue;
      joins.push(d);
      this.v1Dirs.set(name, joins);
      this.makeV1(d, c);
    }
    for (const s of plan.settings) {
      const where = this.placed.get(s.controller)!;
      if (where === 'v2') {
        this.write(join(dir, s.file), s.value, s.stanza);
        continue;
      }
      const files = toV1(s);
      if (typeof files === 'string') throw new CgroupLimitError(s.stanza, files);
      for (const f of files) this.write(join(where, name, f.file), f.value, s.stanza);
    }
    return joins;
  }

  /** Usage of job cgroup NAME (directory DIR), from whichever hierarchy has each controller. */
  usage(name: string, dir: string): CgroupUsage {
    const u: CgroupUsage = {};
    const v1 = this.v1Dirs.get(name) ?? [];
    const mem = this.placed.get('memory');
    const memDir = mem === 'v2' ? dir : v1.find((d) => d.startsWith(`${mem}/`));
    const pidsAt = this.placed.get('pids');
    const pidsDir = pidsAt === 'v2' || pidsAt === undefined ? dir : v1.find((d) => d.startsWith(`${pidsAt}/`));
    const num = (file: string, re: RegExp): number | undefined => {
      try {
        const m = re.exec(this.fs.readFile(file));
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    };
    if (memDir !== undefined) {
      const v2 = memDir === dir;
      const cur = num(join(memDir, v2 ? 'memory.current' : 'memory.usage_in_bytes'), /^(\d+)/);
      if (cur !== undefined) u.memoryCurrent = cur;
      const oom = num(join(memDir, v2 ? 'memory.events' : 'memory.oom_control'), /^oom_kill (\d+)$/m);
      if (oom !== undefined) u.oomKills = oom;
    }
    if (pidsDir !== undefined) {
      const cur = num(join(pidsDir, 'pids.current'), /^(\d+)/);
      if (cur !== undefined) u.pidsCurrent = cur;
    }
    return u;
  }

  /** Removes job cgroup NAME's v1 directories (its processes are gone). */
  release(name: string): void {
    for (const d of this.v1Dirs.get(name) ?? []) {
      try {
        this.fs.rmdir(d);
      } catch {
        // still busy or gone: left, as its v2 cgroup would be
      }
    }
    this.v1Dirs.delete(name);
  }

  /** Removes the v1 bases this daemon made. */
  close(): void {
    for (const where of this.placed.values()) {
      if (where === 'v2') continue;
      try {
        this.fs.rmdir(where);
      } catch {
        // a job cgroup is still in it
      }
    }
  }

  /** Where controller C lives for job cgroups: 'v2', or the v1 base directory. */
  private place(c: string, stanza: string): 'v2' | string {
    const known = this.placed.get(c);
    if (known !== undefined) return known;
    const available = this.controllersOf(this.ownDir);
    if (available.includes(c)) {
      try {
        this.placeV2(c);
      } catch (err) {
        throw new CgroupLimitError(stanza, (err as Error).message);
      }
      return 'v2';
    }
    this.v1 ??= findV1Hierarchies(this.procSelf, this.fs);
    const own = this.v1.get(V1_NAME[c] ?? c);
    if (own === undefined) {
      throw new CgroupLimitError(stanza, `the ${c} controller is not available: not in ${join(this.ownDir, 'cgroup.controllers')}, and no cgroup v1 hierarchy has it`);
    }
    const base = join(own, this.baseName);
    this.makeV1(base, c);
    this.placed.set(c, base);
    return base;
  }

  /** Enables v2 controller C in the daemon's cgroup and in the base, for the job cgroups under it. */
  private placeV2(c: string): void {
    if (this.placed.get(c) === 'v2') return;
    if (!this.controllersOf(this.baseDir).includes(c)) this.enable(this.ownDir, c);
    this.enable(this.baseDir, c);
    this.placed.set(c, 'v2');
  }

  private enable(dir: string, c: string): void {
    const file = join(dir, 'cgroup.subtree_control');
    try {
      if (this.fs.readFile(file).split(/\s+/).includes(c)) return;
      this.fs.writeFile(file, `+${c}`, 'r+');
    } catch (err) {
      const code = errCode(err);
      const why = code === 'EBUSY'
        ? `${dir} has processes of its own, and cgroup v2 enables a controller only for the children of a cgroup without any (start the daemon in a cgroup of its own)`
        : `${(err as Error).message}`;
      throw new Error(`cannot enable the ${c} controller in ${file}: ${why}`, { cause: err });
    }
  }

  private controllersOf(dir: string): string[] {
    try {
      return this.fs.readFile(join(dir, 'cgroup.controllers')).trim().split(/\s+/);
    } catch {
      return [];
    }
  }

  /** Makes a v1 cgroup directory; cpuset's needs its parent's cpus and mems before anything can join it. */
  private makeV1(d: string, c: string): void {
    try {
      this.fs.mkdir(d);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw new CgroupLimitError(`cgroup ${c}`, `cannot create ${d}: ${(err as Error).message}`);
    }
    if (c !== 'cpuset') return;
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      try {
        if (this.fs.readFile(join(d, f)).trim() === '') this.fs.writeFile(join(d, f), this.fs.readFile(join(d, '..', f)).trim() || '\n', 'r+');
      } catch {
        // the write of the job's own value, or the join, says what is wrong
      }
    }
  }

  private write(file: string, value: string, stanza: string): void {
    try {
      this.fs.writeFile(file, value, 'r+');
    } catch (err) {
      const code = errCode(err);
      const why = code === 'ENOENT' ? `the job's cgroup has no ${file.split('/').pop()} file`
        : code === 'EINVAL' || code === 'ERANGE' ? `the kernel refused '${value}' for ${file}`
        : `cannot write '${value}' to ${file}: ${(err as Error).message}`;
      throw new CgroupLimitError(stanza, `${why} (${code ?? 'error'})`);
    }
  }
}
