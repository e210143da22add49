// An in-memory cgroup v2 tree behind the Fs interface (mkdir, cgroup.procs, cgroup.kill, EBUSY), with fake processes.
import { dirname } from 'node:path';
import type { CgroupSys } from '../../../src/process/cgroupTree.ts';
import type { Fs } from '../../../src/sys/fs.ts';

function errno(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

interface Dir {
  procs: Set<number>;
  cpuUsec: number;
}

/**
 * A cgroup hierarchy: directories hold processes (cgroup.procs), rmdir fails with EBUSY while a
 * directory has processes or children, and cgroup.kill (when `hasKill`) kills its whole subtree.
 * Processes live until killed; `signals` records every signal in order.
 */
export class FakeCgroupFs implements Fs {
  readonly dirs = new Map<string, Dir>();
  readonly signals: Array<{ pid: number; signal: string; via: 'cgroup.kill' | 'kill' }> = [];
  /** Linux 5.14 and later have cgroup.kill. */
  hasKill = true;
  /** Paths whose mkdir fails with this code (EACCES for a cgroup we may not write). */
  readonly mkdirFails = new Map<string, string>();

  constructor(root: string) {
    this.dirs.set(root, { procs: new Set(), cpuUsec: 0 });
  }

  /** A process living in cgroup `dir`. */
  addProcess(pid: number, dir: string): void {
    for (const d of this.dirs.values()) d.procs.delete(pid);
    this.need(dir).procs.add(pid);
  }

  alive(pid: number): boolean {
    return [...this.dirs.values()].some((d) => d.procs.has(pid));
  }

  /** The CgroupSys a CgroupTree under test uses: this fs, signals that end fake processes, and our pid. */
  sys(ownPid: number): CgroupSys {
    return {
      fs: this,
      ownPid,
      kill: (pid, signal) => {
        if (!this.alive(pid)) throw errno('ESRCH', String(pid));
        this.signals.push({ pid, signal, via: 'kill' });
        for (const d of this.dirs.values()) d.procs.delete(pid);
      },
    };
  }

  private need(path: string): Dir {
    const d = this.dirs.get(path);
    if (d === undefined) throw errno('ENOENT', path);
    return d;
  }

  private children(path: string): string[] {
    return [...this.dirs.keys()].filter((p) => dirname(p) === path && p !== path);
  }

  mkdir(path: string): void {
    const fail = this.mkdirFails.get(path);
    if (fail !== undefined) throw errno(fail, path);
    if (this.dirs.has(path)) throw errno('EEXIST', path);
    this.need(dirname(path));
    this.dirs.set(path, { procs: new Set(), cpuUsec: 0 });
  }

  rmdir(path: string): void {
    const d = this.need(path);
    if (d.procs.size > 0 || this.children(path).length > 0) throw errno('EBUSY', path);
    this.dirs.delete(path);
  }

  readFile(path: string): string {
    const d = this.need(dirname(path));
    const file = path.slice(dirname(path).length + 1);
    if (file === 'cgroup.procs') return [...d.procs].map((p) => `${p}\n`).join('');
    if (file === 'cpu.stat') return `usage_usec ${d.cpuUsec}\nuser_usec 0\n`;
    throw errno('ENOENT', path);
  }

  writeFile(path: string, data: string): void {
    const dir = dirname(path);
    this.need(dir);
    const file = path.slice(dir.length + 1);
    if (file === 'cgroup.procs') {
      if (data !== '') this.addProcess(Number(data), dir);
      return;
    }
    if (file === 'cgroup.kill' && this.hasKill) {
      const subtree = [...this.dirs.keys()].filter((p) => p === dir || p.startsWith(`${dir}/`));
      for (const p of subtree) {
        for (const pid of this.dirs.get(p)!.procs) this.signals.push({ pid, signal: 'KILL', via: 'cgroup.kill' });
        this.dirs.get(p)!.procs.clear();
      }
      return;
    }
    throw errno('ENOENT', path);
  }

  subdirs(path: string): string[] {
    this.need(path);
    return this.children(path).map((p) => p.slice(path.length + 1));
  }

  isDir(path: string): boolean {
    return this.dirs.has(path);
  }
}
