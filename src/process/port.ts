// ProcessPort: what the job engine needs from the OS to run processes (real adapter and fakes implement it).
import type { CgroupSpec, ConsoleMode, Expect, ProcessName, RLimit, RLimitName } from '../model/jobClass.ts';

/** Everything needed to start one job process; built by the engine, no OS handles. */
export interface SpawnRequest {
  /** Job class name and instance name ('' for a singleton): identify the job for logs and cgroups. */
  job: string;
  instance: string;
  /** One of the job's processes, or a custom action (`action NAME`, run beside them: docs/actions.md). */
  process: ProcessName | 'action';
  /** argv[0] is the file to exec (looked up in PATH from env when it has no '/'). */
  argv: string[];
  /** KEY=VALUE strings, the job's whole environment. */
  env: string[];
  /**
   * Script text to feed to the shell (argv is then ['/bin/sh', '-e'] or similar). The adapter
   * passes it so that size is unlimited (a pipe read as /proc/self/fd/N), never on the command line.
   */
  script?: string;
  console: ConsoleMode;
  umask?: number;
  nice?: number;
  oomScoreAdj?: number;
  chroot?: string;
  chdir?: string;
  limits: Partial<Record<RLimitName, RLimit>>;
  setuid?: string;
  setgid?: string;
  cgroups: CgroupSpec[];
  /** Only meaningful for the main process; others use { kind: 'none' }. */
  expect: Expect;
  /** [daemon fd, child fd] pairs the child gets (socket activation's fd 3..., a notification fd); the daemon keeps its own. */
  fdMap?: [number, number][];
  /** Variables the child sets to its own pid before exec (LISTEN_PID, WATCHDOG_PID). */
  pidEnv?: string[];
  /**
   * The caller hears how the exec went through ProcessEvents.execed: the port may return once the
   * child exists, before it has exec'd ({ ok, pid, pending: true }). Without it, spawn is synchronous.
   */
  execLater?: boolean;
}

/** Why a process could not be started: the stage that failed (exec, chdir, cgroup...) and its errno. */
export interface SpawnFailure {
  stage: string;
  errno: number;
  code: string;
  message: string;
}

/** A process started; `pid` is what the adapter tracks first (for expect fork/daemon, the forks follow). */
export type SpawnResult =
  /**
   * pending: the exec's outcome comes through ProcessEvents.execed (only for requests with execLater);
   * `pid` may then be a provisional id (<= 0, never a process id: not to show, journal or hand over)
   * that names the process to the port until execed gives the pid.
   */
  | { ok: true; pid: number; pending?: boolean }
  | ({ ok: false } & SpawnFailure);

/** How a tracked process ended. `signal` is a canonical name (TERM) when killed by a signal. */
export type ExitInfo =
  | { pid: number; kind: 'exited'; status: number }
  | { pid: number; kind: 'killed'; signal: string; core: boolean };

/** Callbacks from the adapter into the engine, always from the event loop (never re-entrant). */
export interface ProcessEvents {
  /** A tracked process (the main pid, or the one expect fork/daemon moved to) ended. Output is flushed first. */
  exited(info: ExitInfo): void;
  /**
   * A pending spawn (execLater) exec'd, or could not (`failure`; the child then exits 127, and that
   * exit is still reported). `id` is what spawn returned, `pid` the process's (the same unless id was
   * provisional; 0 when no process was made: a failed clone). Comes before any other event of that
   * pid; from here on the port knows the process by `pid` only.
   */
  execed(id: number, pid: number, failure?: SpawnFailure): void;
  /**
   * expect stop/fork/daemon: the process reached the expected point; `pid` is the pid to track
   * from now on (the daemon's own pid for fork/daemon), which may differ from the spawned pid.
   */
  ready(spawnedPid: number, pid: number): void;
  /**
   * cgroup tracking: `pid` is another process of the instance (it was in the instance's cgroup).
   * The engine takes it into the main slot only while the job waits for `expect exit N`, and
   * answers whether it did; an exit of a taken pid is then reported like the main process's.
   */
  adopted(a: { job: string; instance: string; pid: number }): boolean;
}

/** A job instance as the port names it: job class name and instance name ('' for a singleton). */
export interface InstanceRef {
  job: string;
  instance: string;
}

/**
 * Which processes of an instance a signal reaches (the engine's kill mode picks one): `main` the
 * given pids only; `group` their process groups; `cgroup` every process in the instance's cgroup,
 * or their process groups where it has none (no job cgroups, or the process could not join).
 */
export type KillTarget = 'main' | 'group' | 'cgroup';

export interface ProcessPort {
  /** Returns the pid, or why the child could not exec (stage and errno); with execLater, maybe before the exec (pending, maybe a provisional id). */
  spawn(req: SpawnRequest): SpawnResult;
  /**
   * Sends `signal` to the instance's processes named by `target`; `pids` are its main pids (for
   * `cgroup`, only the fallback: with none given, only the cgroup is reached). Each process is
   * signalled once; missing processes are ignored. A provisional id's signal is sent once its pid
   * is known.
   */
  signal(inst: InstanceRef, target: KillTarget, signal: string, pids: readonly number[]): void;
  /** For expect stop: continue a stopped process. */
  resume(pid: number): void;
  /** The engine registers its callbacks once. */
  setEvents(events: ProcessEvents): void;
  /** The instance reached waiting and is forgotten: its cgroup, if any, goes once empty (nothing is signalled). */
  instanceGone?(job: string, instance: string): void;
  /**
   * Sends `signal` to the process group of every spawn whose pid is not known yet (status does not
   * list them), each once its pid is; returns how many. For a forced kill of everything.
   */
  signalPending?(signal: string): number;
  /** MAINPID=: track `to` as the process `from` was (reported to the engine as ready(from, to)); false if `from` is not tracked. */
  retrack?(from: number, to: number): boolean;
}
