// The one reaper: every waitpid(-1) status (own children, orphans, ptrace stops) delivered in batches on the event loop.
import { addon } from './addon.ts';

/** One child status from waitpid(-1): exit, death by signal, stop, ptrace trap or event. */
export interface ChildStatus {
  pid: number;
  /** 'trapped' = stopped by SIGTRAP (e.g. after exec under TRACEME); 'event' = a ptrace event stop. */
  kind: 'exited' | 'killed' | 'dumped' | 'stopped' | 'trapped' | 'event' | 'continued' | 'unknown';
  /** Exit status for 'exited'. */
  status: number;
  /** Signal number for killed/dumped/stopped/trapped/event. */
  signal: number;
  /** PTRACE_EVENT_* number for 'event', else 0. */
  event: number;
  /** With reaperCgroups(true), for an exit: the child's cgroup v2 path (e.g. `/upstart/foo`). */
  cgroup?: string;
}

/**
 * Starts the reaper: statuses go to `cb`, in batches, on the event loop. Throws if a reaper is
 * already running. Never combine with node:child_process.
 */
export function startReaper(cb: (statuses: ChildStatus[]) => void): void {
  if (typeof cb !== 'function') throw new TypeError('the reaper needs a callback');
  addon.startReaper(cb);
}
export const stopReaper = (): void => addon.stopReaper();
/** Whether the reaper keeps the event loop alive (it does after start). */
export const reaperRef = (on: boolean): void => addon.reaperRef(on);
/** From now on each exit record carries `cgroup`: the child's cgroup v2 path, read before it was reaped. */
export const reaperCgroups = (on: boolean): void => addon.reaperCgroups(on);
/** Drains statuses synchronously (for the reaper's owner). */
export const reapNow = (): ChildStatus[] => addon.reapNow();
