// Job cgroup directories removed off the JS thread (native/src/cgroup_remove.c), in order with a new mkdir of the same path.
import { addon, strings } from './addon.ts';

/** What a CgroupTree asks for its directories beyond the Fs: removal on another thread, and waiting for it. */
export interface CgroupDirs {
  /** Queues the rmdirs of DIRS, in order, on the remover thread; a failure (not ENOENT) comes to the onFailures callback later. */
  remove(dirs: string[]): void;
  /** Returns once no removal of DIR, or of a directory under it, is queued or running. */
  settle(dir: string): void;
  /** Where failed removals go, as [dir, errno] (null: dropped); one callback for the process. */
  onFailures(cb: ((failures: Array<[string, number]>) => void) | null): void;
}

export const nativeCgroupDirs: CgroupDirs = {
  remove: (dirs) => { addon.cgroupRemove(strings(dirs, 'dirs')); },
  settle: (dir) => addon.cgroupSettle(strings([dir], 'dir')[0]!),
  onFailures: (cb) => addon.cgroupRemoveFailures(cb),
};
