// DaemonHooks: what the control handlers ask of the daemon itself (the integrator implements it).
import type { JournalEntry } from '../model/engineApi.ts';
import type { LogPriority } from '../log/daemonLog.ts';
import type { OutputStats } from '../log/port.ts';
import type { ActionRequest, ActionResult } from '../model/actions.ts';
import type { ReloadPlan } from '../config/classDiff.ts';
import type { EmitDryRun } from '../job/dryRun.ts';
import type { SysvStatusAnswer, SysvRunRequest, SysvRunResult, SysvStatus } from '../model/sysv.ts';
import type { PendingChange, Readiness, RunlevelState, SessionInfo } from './protocol.ts';

export interface DaemonHooks {
  /** `initctl version`: the whole line without the newline, e.g. `init (upstart-ts 0.1.0)`. */
  version(): string;
  /** `initctl reload-configuration`: re-reads every conf dir; starts nothing. Rejects to report a failure. */
  reloadConfiguration(): void | Promise<void>;
  /** `initctl notify-disk-writeable`: flushes the early job output kept in memory to the log dir. */
  notifyDiskWriteable(): void | Promise<void>;
  /**
   * `initctl notify-dbus-address` / `notify-cgroup-manager-address`: the address is noted (there is
   * no D-Bus adapter, and job cgroups need no manager). Throws EngineError when not permitted.
   */
  notifyAddress?(kind: 'dbus' | 'cgroup-manager', address: string): void;
  /** `initctl log-priority`. */
  getLogPriority(): LogPriority;
  setLogPriority(priority: LogPriority): void;
  /** `initctl list-sessions`: live session inits known to this daemon (may be empty). */
  listSessions(): SessionInfo[] | Promise<SessionInfo[]>;
  /** `initctl events`: the event journal so far, oldest first (live entries come from EngineApi.subscribe). */
  journal(): JournalEntry[];
  /** `watch-config`: calls fn after each change of the job classes (a conf-dir change, a reload); returns the unsubscribe. */
  watchClasses?(fn: () => void): () => void;
  /** `initctl reset-env`: the job environment table as it was when the daemon started. */
  defaultJobEnv(): Map<string, string>;
  /**
   * `initctl status --json`: what became of a job instance's `console log` output so far (bytes in
   * its log file, bytes dropped, bytes held in memory). Optional: without it status shows no counters.
   */
  outputStats?(job: string, instance: string): OutputStats;
  /**
   * `initctl status --json`: the instance's cgroup (DESIGN §3.5) — its path, every pid in it, and the
   * CPU time it has used — when the daemon tracks it by cgroup; undefined otherwise.
   */
  cgroupStats?(job: string, instance: string): CgroupStats | undefined;
  /**
   * `initctl reexec [--with-state FILE]`: resolves once the state is ready and checked; the daemon
   * then execs itself (after the reply has left). Rejects (EngineError) when it cannot hand over now.
   */
  reexec?(withState?: string): Promise<void>;
  /** D-Bus GetState: the daemon's state as JSON (src/daemon/stateView.ts). */
  stateJson?(): string;
  /**
   * D-Bus EndSession: a session init ends as on SIGTERM (session-end emitted, every job stopped, then
   * it exits); returns at once, the shutdown goes on. Absent in system mode.
   */
  endSession?(): void;
  /** `initctl status --json`: the last STATUS= the instance's processes sent on $NOTIFY_SOCKET, if any. */
  notifyStatus?(job: string, instance: string): string | undefined;
  /** `initctl status --json`: the instance's watchdog (interval, timeouts, why it last fired) and STOPPING/RELOADING state, if any. */
  readiness?(job: string, instance: string): Readiness | undefined;
  /** SysV init scripts run as services for upstart-rc (docs/sysv.md); without it their requests are unsupported. */
  sysv?: SysvHooks;
  /** runlevel, telinit and shutdown (docs/machine.md); without it their requests are refused. */
  runlevels?: RunlevelHooks;
  /** Custom actions (docs/actions.md); without it `initctl action` is refused. */
  actions?: ActionHooks;
  /** emit --dry-run and reload-configuration --dry-run (docs/actions.md); without it they are refused. */
  dryRun?: DryRunHooks;
  /**
   * D-Bus EmitEventWithFile: keep(fd) holds the fd (the daemon's now) in the fd store and returns its
   * name there, for the event's LISTEN_FDNAMES; forget(name) closes it; close(fd) closes one not kept.
   * keep throws when the store is full (having closed the fd). Without it EmitEventWithFile is NotSupported.
   */
  eventFd?: { keep(fd: number): string; forget(name: string): void; close(fd: number): void };
}

export interface DryRunHooks {
  /** What emitting NAME ENV would start, stop or restart; changes nothing. Throws EngineError for a bad name or entry. */
  emit(name: string, env: string[]): EmitDryRun;
  /** What reload-configuration would change if the conf dirs (or `from`, an absolute directory) replaced what is loaded. */
  reload(from?: string): Promise<ReloadPlan>;
}

export interface ActionHooks {
  /** Runs one; rejects with EngineError (not running, unknown action, already running, cannot spawn). */
  run(r: ActionRequest): Promise<ActionResult>;
  /** The actions of an instance running now, with their pids. */
  running(job: string, instance: string): Array<{ action: string; pid: number }>;
}

export interface RunlevelHooks {
  state(): RunlevelState;
  /** Throws EngineError for a bad runlevel or environment. */
  change(runlevel: string, env: string[], at?: number, message?: string): { replaced?: PendingChange };
  cancel(): { cancelled?: PendingChange };
}

export interface SysvHooks {
  /** `sysv-run`: one action of one script between its lifecycle events. Rejects with EngineError. */
  run(r: SysvRunRequest): Promise<SysvRunResult>;
  /** Every script run so far, by name. */
  list(): SysvStatus[];
  /**
   * `initctl status NAME` of a script run so far; undefined if none of that name. With `ask`, from its
   * status action (run as init's user, so only for peers who may change state); else the state init saw.
   */
  status(name: string, ask: boolean): Promise<SysvStatusAnswer | undefined>;
}

export interface CgroupStats {
  /** As /proc/PID/cgroup shows it. */
  path: string;
  pids: number[];
  /** usage_usec of cpu.stat: user + system CPU time of everything that ran in it. */
  cpuUsec?: number;
  /** memory.current (memory.usage_in_bytes on a v1 hierarchy), where the memory controller reaches it. */
  memoryCurrent?: number;
  /** pids.current, where the pids controller reaches it. */
  pidsCurrent?: number;
  /** oom_kill of memory.events (memory.oom_control on v1): processes the OOM killer killed in it. */
  oomKills?: number;
  /** The OOM killer killed a process of it (kept after the instance is gone, until it starts again). */
  oomKilled?: boolean;
}
