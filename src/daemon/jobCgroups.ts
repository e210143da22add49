// The daemon's job cgroups: when to make the base cgroup, and when to look again while cgroup v2 is not mounted yet.
import type { LogLevel } from '../log/daemonLog.ts';
import { CgroupTree, type NoCgroups } from '../process/cgroupTree.ts';
import type { LogFn } from '../model/log.ts';

export interface JobCgroupsOptions {
  /** --no-cgroups: never. */
  disabled: boolean;
  /** A system init looks again while no cgroup v2 is mounted (a boot job may mount it). */
  system: boolean;
  /** The base's name: `upstart` in PID 1's cgroup, `upstart-ts.PID` in another daemon's (several may share a cgroup). */
  baseName: string;
  log: (level: LogLevel, msg: string) => void;
  /** performance.now() (a fake clock in tests). */
  now?: () => number;
  /** CgroupTree.create (a fake in tests). */
  create?: (baseName: string, log: LogFn) => CgroupTree | NoCgroups;
}

/** How long a system init waits before it looks for cgroup v2 again. */
export const CGROUP_RETRY_MS = 5000;

/**
 * The base of the job cgroups (DESIGN §3.5), made on first use: none with --no-cgroups, without
 * cgroup v2 or without the right to make cgroups there. A system init looks again every 5 s
 * while no cgroup v2 is mounted; other failures are final.
 */
export class JobCgroups {
  private tree: CgroupTree | undefined;
  /** now() before which get() does not look again (Infinity: never; 0: not looked yet). */
  private retryAt = 0;
  private readonly now: () => number;
  private readonly create: (baseName: string, log: LogFn) => CgroupTree | NoCgroups;

  constructor(private readonly o: JobCgroupsOptions) {
    this.now = o.now ?? (() => performance.now());
    this.create = o.create ?? ((name, log) => CgroupTree.create(name, log));
  }

  /** The tree if it exists already (never tries to make it). */
  get current(): CgroupTree | undefined {
    return this.tree;
  }

  /** The tree, making it if it is time to try. */
  get(): CgroupTree | undefined {
    if (this.tree !== undefined || this.o.disabled) return this.tree;
    const now = this.now();
    if (now < this.retryAt) return undefined;
    const first = this.retryAt === 0;
    const tree = this.create(this.o.baseName, (level, msg) => this.o.log(level, msg));
    if (tree instanceof CgroupTree) {
      this.o.log('debug', `job cgroups under ${tree.dir}`);
      this.tree = tree;
      return tree;
    }
    this.retryAt = this.o.system && !tree.mounted ? now + CGROUP_RETRY_MS : Infinity;
    // Usual for a session init without a delegated cgroup; worth saying for the system init.
    if (first) this.o.log(this.o.system ? 'info' : 'debug', `job processes are not tracked by cgroup: ${tree.why}`);
    return undefined;
  }

  close(): void {
    this.tree?.close();
  }
}
