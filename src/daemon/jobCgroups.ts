// The daemon's job cgroups: when to make the base cgroup, looking again at each spawn while cgroup v2 is not mounted yet.
import { sha256Hex } from '../model/digest.ts';
import type { LogLevel } from '../log/daemonLog.ts';
import { CgroupTree, type NoCgroups } from '../process/cgroupTree.ts';
import type { LogFn } from '../model/log.ts';

export interface JobCgroupsOptions {
  /** --no-cgroups: never. */
  disabled: boolean;
  /** A system init looks again while no cgroup v2 is mounted (a boot job may mount it). */
  system: boolean;
  /** The base's name: `upstart` in PID 1's cgroup, sessionCgroupBase() in another daemon's (several may share a cgroup). */
  baseName: string;
  log: (level: LogLevel, msg: string) => void;
  /** The instances with live processes (`job` or `job (instance)`), named when the tree comes late. */
  running?: () => string[];
  /** CgroupTree.create (a fake in tests). */
  create?: (baseName: string, log: LogFn) => CgroupTree | NoCgroups;
}

/** The job cgroup base of a daemon that is not PID 1: stable across restarts (named by its control socket, not its pid), distinct per daemon. */
export function sessionCgroupBase(socket: string): string {
  return `upstart-ts.${sha256Hex(socket).slice(0, 12)}`;
}

/**
 * The base of the job cgroups (DESIGN §3.5), made on first use: none with --no-cgroups, without
 * cgroup v2 or without the right to make cgroups there. While no cgroup v2 is mounted, a system
 * init looks again at every spawn (two small reads of /proc/self), so a boot job's mount counts
 * from the next process on; other failures are final. Processes already running when the tree
 * is made stay where they are, and the log names their jobs.
 */
export class JobCgroups {
  private tree: CgroupTree | undefined;
  /** Whether get() looks (again): false once the tree exists or a failure is final. */
  private looking = true;
  private missed = false;
  private why = '';
  private readonly create: (baseName: string, log: LogFn) => CgroupTree | NoCgroups;

  constructor(private readonly o: JobCgroupsOptions) {
    this.create = o.create ?? ((name, log) => CgroupTree.create(name, log));
  }

  /** The tree if it exists already (never tries to make it). */
  get current(): CgroupTree | undefined {
    return this.tree;
  }

  /** After a re-exec: the tree the old image made. */
  adopt(tree: CgroupTree): void {
    this.tree = tree;
  }

  /** The tree, making it if it is time to try. */
  get(): CgroupTree | undefined {
    if (this.tree !== undefined || this.o.disabled || !this.looking) return this.tree;
    const tree = this.create(this.o.baseName, (level, msg) => this.o.log(level, msg));
    if (tree instanceof CgroupTree) {
      this.tree = tree;
      this.looking = false;
      if (!this.missed) this.o.log('debug', `job cgroups under ${tree.dir}`);
      else {
        const before = this.o.running?.() ?? [];
        const left = before.length === 0 ? 'no job process was running without one' : `already running without one, and left there: ${before.join(', ')}`;
        this.o.log('info', `cgroup v2 is mounted now: job cgroups under ${tree.dir} from the next process on; ${left}`);
      }
      return tree;
    }
    this.why = tree.why;
    this.looking = this.o.system && !tree.mounted;
    // Usual for a session init without a delegated cgroup; worth saying for the system init.
    if (!this.missed) this.o.log(this.o.system ? 'info' : 'debug', `job processes are not tracked by cgroup: ${tree.why}${this.looking ? ' (looking again at each spawn)' : ''}`);
    this.missed = true;
    return undefined;
  }

  /** Why there is no tree (after get() found none). */
  whyNot(): string {
    if (this.o.disabled) return 'job cgroups are off (--no-cgroups)';
    return this.why === '' ? 'job cgroups are not made yet' : this.why;
  }

  close(): void {
    this.tree?.close();
  }
}
