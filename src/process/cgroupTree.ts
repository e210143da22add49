// Job cgroups (DESIGN §3.5): one cgroup v2 directory per job instance, under the daemon's own cgroup, when it can make them.
import { basename, dirname, join } from 'node:path';
import { cgroupName, instanceLabel, parseCgroupName } from '../model/instanceRef.ts';
import { CgroupControllers, type CgroupUsage } from './cgroupControllers.ts';
import type { CgroupPlan } from './cgroupLimits.ts';
import type { LogFn } from '../model/log.ts';
import type { CgroupsWire } from './cgroupState.ts';
import { errCode, realFs, type Fs } from '../sys/fs.ts';
import { nativeCgroupDirs, type CgroupDirs } from '../sys/cgroupDirs.ts';

/** What the tree asks of the system: its files, a way to signal a pid, and the daemon's own pid (never signalled). */
export interface CgroupSys {
  fs: Fs;
  kill(pid: number, signal: string): void;
  ownPid: number;
  /** Removal off the JS thread (the real tree); without it (fakes) release removes at once. */
  dirs?: CgroupDirs;
}

export const realCgroupSys: CgroupSys = {
  fs: realFs,
  dirs: nativeCgroupDirs,
  kill: (pid, signal) => process.kill(pid, `SIG${signal}` as NodeJS.Signals),
  ownPid: process.pid,
};

export interface CgroupOwner {
  job: string;
  instance: string;
}

/** Why there are no job cgroups; `mounted` is false when no cgroup v2 hierarchy is mounted (yet). */
export interface NoCgroups {
  why: string;
  mounted: boolean;
}

/** Where cgroup v2 is mounted and the daemon's own cgroup path in it, from /proc (undefined without cgroup v2). */
export function findOwnCgroup(procSelf = '/proc/self', fs: Fs = realFs): { mount: string; path: string } | undefined {
  let mounts: string;
  let groups: string;
  try {
    mounts = fs.readFile(join(procSelf, 'mountinfo'));
    groups = fs.readFile(join(procSelf, 'cgroup'));
  } catch {
    return undefined;
  }
  const own = groups.split('\n').find((l) => l.startsWith('0::'))?.slice(3);
  if (own === undefined) return undefined;
  for (const line of mounts.split('\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
    const dash = line.indexOf(' - ');
    if (dash < 0 || !line.slice(dash + 3).startsWith('cgroup2 ')) continue;
    const f = line.slice(0, dash).split(' ');
    const root = unescapeMount(f[3] ?? '/');
    const mount = unescapeMount(f[4] ?? '');
    // Our cgroup must lie under the part of the hierarchy this mount shows.
    if (root !== '/' && own !== root && !own.startsWith(`${root}/`)) continue;
    return { mount, path: root === '/' ? own : own.slice(root.length) || '/' };
  }
  return undefined;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Invariants: `dir` (the base, BASE under the daemon's own cgroup) exists from create() until
 * close(); `names` maps each directory made under it to its instance; nothing here kills the
 * daemon itself (its own pid is never signalled, and it never lives in a job cgroup).
 */
export class CgroupTree {
  private readonly names = new Map<string, CgroupOwner>();
  /** Job cgroups whose `cgroup` stanzas were written (cleared when the directory goes). */
  private readonly limited = new Set<string>();
  /** Instances the OOM killer reached, recorded when their cgroup went (status --json says so afterwards). */
  private readonly oomGone = new Map<string, number>();
  private readonly controllers: CgroupControllers;
  /** Whether this tree receives the failed queued removals (registered at the first). */
  private watching = false;
  /** Directories whose queued removal failed with EBUSY: how often, while it is tried again. */
  private readonly retries = new Map<string, number>();
  private closed = false;
  /** Released this tick, their rmdir not queued yet (one batch a tick: flushRemovals); a spawn of one first keeps its directory. */
  private readonly toRemove = new Set<string>();
  private flushing = false;
  /**
   * Directories a child must not be cloned into (clone3 CLONE_INTO_CGROUP): cgroup.kill was written
   * to them, and Linux 6.x then kills every child cloned in (it compares the kill counts of the
   * parent's cgroup and the child's); or they were not made by this image (adopted, claimed, a
   * removal that failed), so no one knows. A directory made anew is clonable again.
   */
  private readonly killed = new Set<string>();

  private constructor(
    /** Absolute directory of the base, e.g. /sys/fs/cgroup/upstart-ts.1234. */
    readonly dir: string,
    /** The base's path as /proc/PID/cgroup shows it, e.g. /upstart-ts.1234. */
    readonly path: string,
    private readonly log: LogFn,
    private readonly sys: CgroupSys,
  ) {
    this.controllers = new CgroupControllers(dirname(dir), dir, basename(dir), sys.fs);
    this.prefix = `${join(dir)}/`;
  }

  /** `dir`/ (normalized once): a cgroupName is one path component, so a concatenation is its path (path.join was 5% of a 500-task burst). */
  private readonly prefix: string;

  private at(name: string): string {
    return this.prefix + name;
  }

  /**
   * Makes the base directory BASENAME in the daemon's own cgroup, or returns why it cannot:
   * no cgroup v2, or no right to make (or move processes into) cgroups there.
   */
  static create(baseName: string, log: LogFn, own = findOwnCgroup(), sys: CgroupSys = realCgroupSys): CgroupTree | NoCgroups {
    const { fs } = sys;
    if (own === undefined) return { why: 'no cgroup v2 hierarchy is mounted', mounted: false };
    const path = `${own.path === '/' ? '' : own.path}/${baseName}`;
    const dir = join(own.mount, path);
    try {
      fs.mkdir(dir);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') return { why: `cannot create ${dir}: ${(err as Error).message}`, mounted: true };
    }
    try {
      // Moving a process needs write access to cgroup.procs; check now rather than fail a spawn.
      fs.writeFile(join(dir, 'cgroup.procs'), '', 'r+');
    } catch (err) {
      try { fs.rmdir(dir); } catch { /* not ours to remove */ }
      return { why: `cannot move processes into ${dir}: ${(err as Error).message}`, mounted: true };
    }
    const tree = new CgroupTree(dir, path, log, sys);
    tree.controllers.account();
    return tree;
  }

  /** The tree's part of the re-exec state (removals still queued are done first: the thread ends with the image). */
  toWire(): CgroupsWire {
    this.flushRemovals();
    this.sys.dirs?.settle(this.dir);
    return { dir: this.dir, path: this.path, names: [...this.names].map(([name, o]) => [name, o.job, o.instance]) };
  }

  /** After a re-exec: the tree the old image made (its base must still be there). */
  static adopt(w: CgroupsWire, log: LogFn, sys: CgroupSys = realCgroupSys): CgroupTree | undefined {
    if (!sys.fs.isDir(w.dir)) return undefined;
    const t = new CgroupTree(w.dir, w.path, log, sys);
    for (const [name, job, instance] of w.names) {
      t.names.set(name, { job, instance });
      t.killed.add(name);
    }
    return t;
  }

  /** The directories under the base now (a restarted daemon looks for survivors in them). */
  dirNames(): string[] {
    try {
      return this.sys.fs.subdirs(this.dir);
    } catch {
      return [];
    }
  }

  /** Live processes in the directory NAME under the base. */
  pidsIn(name: string): number[] {
    const out: number[] = [];
    collectPids(this.sys.fs, this.at(name), out);
    return out.filter((p) => p !== this.sys.ownPid);
  }

  /** Records that directory NAME (found, not made) is the instance's. */
  claim(name: string, owner: CgroupOwner): void {
    this.names.set(name, { ...owner });
    this.killed.add(name);
  }

  /** Whether the instance's next child may be cloned into its directory (see `killed`). */
  clonable(job: string, instance: string): boolean {
    return !this.killed.has(cgroupName(job, instance));
  }

  /** Removes directory NAME if it is empty (a dead daemon's leftover); false if it is not. */
  removeIfEmpty(name: string): boolean {
    try {
      this.sys.fs.rmdir(this.at(name));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The instance's directory, recorded as its own but not made here: the spawn makes it (the native
   * layer's cgroupCreate, on the spawner thread for spawnStart), after any removal of it in flight.
   */
  pathFor(job: string, instance: string): string {
    const name = cgroupName(job, instance);
    // Released this tick (a restart): its directory is still there, and stays.
    this.toRemove.delete(name);
    if (!this.names.has(name)) this.names.set(name, { job, instance });
    this.oomGone.delete(name);
    return this.at(name);
  }

  /** The instance's directory, made if needed; undefined (logged) if it cannot be made. */
  dirFor(job: string, instance: string): string | undefined {
    const name = cgroupName(job, instance);
    const dir = this.at(name);
    // Made at an earlier spawn of the instance and not released since (a respawn, a step process): no mkdir, no EEXIST.
    if (this.names.has(name)) {
      this.oomGone.delete(name);
      return dir;
    }
    // Released this tick: still there, and kept. Queued or being removed: that rmdir comes first.
    if (!this.toRemove.delete(name)) this.sys.dirs?.settle(dir);
    try {
      this.sys.fs.mkdir(dir);
    } catch (err) {
      const exists = errCode(err) === 'EEXIST' && this.sys.fs.isDir(dir);
      if (!exists) {
        this.log('warn', `${job}: no cgroup of its own (${(err as Error).message}); its processes are tracked without one`);
        return undefined;
      }
    }
    this.names.set(name, { job, instance });
    this.oomGone.delete(name);
    return dir;
  }

  /**
   * Writes the instance's `cgroup` stanzas (PLAN) into its cgroup, made by dirFor, once per
   * directory; returns the cgroup v1 directories its processes join as well (a hybrid machine).
   * Throws CgroupLimitError naming the stanza the machine cannot apply.
   */
  limit(job: string, instance: string, plan: CgroupPlan): string[] {
    const name = cgroupName(job, instance);
    const joins = this.controllers.apply(name, this.at(name), plan, this.limited.has(name));
    this.limited.add(name);
    return joins;
  }

  /** The instance whose cgroup a path from /proc/PID/cgroup is (or lies under), if it is one of ours. */
  ownerOf(cgroupPath: string): CgroupOwner | undefined {
    if (!cgroupPath.startsWith(`${this.path}/`)) return undefined;
    const name = cgroupPath.slice(this.path.length + 1).split('/')[0] ?? '';
    return this.names.get(name);
  }

  /** Live processes in the instance's cgroup and its sub-cgroups. */
  pids(job: string, instance: string): number[] {
    const out: number[] = [];
    collectPids(this.sys.fs, this.at(cgroupName(job, instance)), out);
    return out.filter((p) => p !== this.sys.ownPid);
  }

  /** The instance's cgroup as /proc/PID/cgroup shows it, its pids and its CPU time; undefined if it has none. */
  stats(job: string, instance: string): CgroupStatsOf | undefined {
    const name = cgroupName(job, instance);
    if (!this.names.has(name)) {
      const oom = this.oomGone.get(name);
      return oom === undefined ? undefined : { path: `${this.path}/${name}`, pids: [], oomKills: oom, oomKilled: true };
    }
    const usage = this.controllers.usage(name, this.at(name));
    const out: CgroupStatsOf = { path: `${this.path}/${name}`, pids: this.pids(job, instance), ...usage };
    if ((usage.oomKills ?? 0) > 0) out.oomKilled = true;
    try {
      const m = /^usage_usec (\d+)$/m.exec(this.sys.fs.readFile(`${this.at(name)}/cpu.stat`));
      if (m) out.cpuUsec = Number(m[1]);
    } catch {
      // no cpu.stat (an old kernel): pids only
    }
    return out;
  }

  /** Signals every process in the instance's cgroup; KILL uses cgroup.kill (atomic against forks) where the kernel has it. */
  kill(job: string, instance: string, signal: string): number {
    const name = cgroupName(job, instance);
    const dir = this.at(name);
    if (signal === 'KILL') {
      // Nothing left (the usual end of a main process): no cgroup.kill, which would keep the next
      // child from being born in the directory. Nothing can enter an empty cgroup but our spawns.
      if (!this.populated(dir)) return 0;
      try {
        this.sys.fs.writeFile(join(dir, 'cgroup.kill'), '1', 'r+');
        this.killed.add(name);
        return -1;
      } catch {
        // Before Linux 5.14: one by one below.
      }
    }
    let n = 0;
    for (const pid of this.pids(job, instance)) {
      try {
        this.sys.kill(pid, signal);
        n++;
      } catch {
        // Gone meanwhile.
      }
    }
    return n;
  }

  /** cgroup.events says a process is in the directory or below it (true when it cannot be read). */
  private populated(dir: string): boolean {
    try {
      return !/^populated 0$/m.test(this.sys.fs.readFile(join(dir, 'cgroup.events')));
    } catch {
      return true;
    }
  }

  /**
   * Removes the instance's directory; false if processes are still in it (it stays, and is reused).
   * Without `cgroup` stanzas (and not NOW) the rmdir is queued off the JS thread and true returned; if
   * it fails (EBUSY: a process of the job still exiting, or a leftover) it is tried again a few times
   * while the instance is not back, then the directory is the instance's again (removeFailed).
   */
  release(job: string, instance: string, now = false): boolean {
    const name = cgroupName(job, instance);
    const dirs = this.sys.dirs;
    if (dirs !== undefined && !now && !this.limited.has(name)) {
      if (!this.watching) {
        this.watching = true;
        dirs.onFailures((failures) => this.removeFailed(failures));
      }
      this.names.delete(name);
      this.retries.delete(name);
      this.removeSoon(name);
      return true;
    }
    if (this.limited.has(name)) {
      const oom = this.controllers.usage(name, this.at(name)).oomKills ?? 0;
      if (oom > 0) {
        this.oomGone.set(name, oom);
        this.log('warn', `${instanceLabel(job, instance)}: the OOM killer killed ${oom} of its process(es) (its cgroup's memory limit)`);
      }
    }
    try {
      this.sys.fs.rmdir(this.at(name));
    } catch (err) {
      const code = errCode(err);
      if (code === 'EBUSY') {
        this.killed.add(name);
        return false;
      }
      if (code !== 'ENOENT') this.log('debug', `cannot remove the cgroup of ${job}: ${(err as Error).message}`);
    }
    this.names.delete(name);
    this.killed.delete(name);
    if (this.limited.delete(name)) this.controllers.release(name);
    return true;
  }

  /**
   * Queued removals that failed. EBUSY: processes are still in the directory (one killed with the job
   * may not be reaped yet): tried again after 50, 100, 200... ms while the instance is not back; after
   * the last, it stays the instance's (reused by its next spawn, removed at close), as a synchronous
   * release leaves it.
   */
  private removeFailed(failures: Array<[string, number]>): void {
    for (const [dir, errno] of failures) {
      if (dirname(dir) !== this.dir) continue;
      const name = basename(dir);
      const owner = parseCgroupName(name);
      if (owner === undefined) continue;
      // Still there, as it was: a spawn of the instance finds it (EEXIST).
      this.killed.add(name);
      if (this.names.has(name)) continue;
      if (errno !== EBUSY) {
        this.log('debug', `cannot remove the cgroup of ${owner.job}: errno ${errno}`);
        continue;
      }
      const tries = this.retries.get(name) ?? 0;
      if (tries >= REMOVE_RETRIES) {
        this.retries.delete(name);
        this.names.set(name, owner);
        continue;
      }
      this.retries.set(name, tries + 1);
      setTimeout(() => {
        // Back meanwhile (its directory is in use again), or closed: not removed.
        if (this.names.has(name) || this.retries.get(name) !== tries + 1 || this.closed) return;
        this.removeSoon(name);
      }, 50 * 2 ** tries).unref();
    }
  }

  /** Queues NAME's rmdir with the others released this tick. */
  private removeSoon(name: string): void {
    this.toRemove.add(name);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flushRemovals());
  }

  private flushRemovals(): void {
    this.flushing = false;
    if (this.toRemove.size === 0) return;
    const dirs = [...this.toRemove].map((n) => this.at(n));
    // A mkdir of one waits for its rmdir: the next directory of that name is a new one.
    for (const n of this.toRemove) this.killed.delete(n);
    this.toRemove.clear();
    this.sys.dirs?.remove(dirs);
  }

  /** Removes every empty directory made here and the base (processes still in one keep it). */
  close(): void {
    this.closed = true;
    this.flushRemovals();
    for (const { job, instance } of [...this.names.values()]) this.release(job, instance, true);
    // Those whose queued removal is still being tried again.
    for (const name of this.retries.keys()) this.removeIfEmpty(name);
    this.retries.clear();
    this.controllers.close();
    // Removals queued before (instances that ended) first: the base cannot go while a directory is in it.
    this.sys.dirs?.settle(this.dir);
    try {
      this.sys.fs.rmdir(this.dir);
    } catch (err) {
      this.log('debug', `cgroup ${this.dir} left in place: ${(err as Error).message}`);
    }
  }
}

/** How often a queued removal that met EBUSY is tried again (50 ms doubling: 1.55 s in all). */
const REMOVE_RETRIES = 5;
/** Linux errno 16 (node:os has the table; the daemon does without that module). */
const EBUSY = 16;

/** An instance's cgroup for `initctl status --json`; `oomKilled` when the OOM killer reached it (after it went, too). */
export interface CgroupStatsOf extends CgroupUsage {
  path: string;
  pids: number[];
  cpuUsec?: number;
  oomKilled?: boolean;
}

function collectPids(fs: Fs, dir: string, out: number[]): void {
  let text: string;
  let subdirs: string[];
  try {
    text = fs.readFile(join(dir, 'cgroup.procs'));
    subdirs = fs.subdirs(dir);
  } catch {
    return; // gone meanwhile
  }
  for (const l of text.split('\n')) {
    const pid = Number(l);
    // 0: a process outside our PID namespace (the cgroup file system is the parent's, e.g. PID 1 of
    // `unshare --pid` beside another one). Not ours to signal, and kill(0) would hit our own group.
    if (l !== '' && Number.isInteger(pid) && pid > 0) out.push(pid);
  }
  for (const e of subdirs) collectPids(fs, join(dir, e), out);
}
