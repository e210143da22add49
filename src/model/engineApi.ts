// EngineApi: what the daemon and its control handlers ask of the event engine and job state machine.
import type { JobClassSpec, ProcessName } from './jobClass.ts';
import type { JobState } from './state.ts';

/** One job process as status shows it; a slot may hold several pids (cgroup / fork tracking). */
export interface ProcessStatus {
  process: ProcessName;
  pid: number;
}

export interface InstanceStatus {
  job: string;
  /** '' for a job without `instance`. */
  instance: string;
  goal: 'start' | 'stop';
  state: JobState;
  /** In Upstart's order: main, pre-start, post-start, pre-stop, post-stop; only live ones. */
  processes: ProcessStatus[];
}

/** Failures the engine reports to a caller; `code` is stable, `message` is Upstart's text without `initctl: `. */
export type EngineErrorCode =
  | 'unknown-job'
  | 'unknown-instance'
  | 'already-running'
  | 'already-stopped'
  /** reload: the instance exists but its main process is not running. */
  | 'not-running'
  | 'failed'
  | 'invalid'
  | 'denied'
  /** initctl action: the job (the definition its instance runs) has no action of that name. */
  | 'unknown-action'
  /** initctl action: that action is already running for that instance. */
  | 'action-running';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}

/** A journal record: every event, job state change, process spawn and exit. */
export type JournalEntry =
  | { t: number; wall: number; kind: 'event'; name: string; env: string[] }
  | { t: number; wall: number; kind: 'state'; job: string; instance: string; goal: 'start' | 'stop'; state: JobState }
  | { t: number; wall: number; kind: 'spawn'; job: string; instance: string; process: ProcessName; pid: number }
  | { t: number; wall: number; kind: 'exit'; job: string; instance: string; process: ProcessName; pid: number; status?: number; signal?: string }
  | { t: number; wall: number; kind: 'spawn-failed'; job: string; instance: string; process: ProcessName; message: string };

/** `why(job)`: each leaf of a condition with its current value and what last changed it. */
export interface LeafReport {
  /** The leaf as written: `started foo JOB=bar`. */
  text: string;
  value: boolean;
  /** e.g. `event started foo at 12.5s`, or undefined if never changed. */
  changedBy?: string;
}

export interface WhyReport {
  job: string;
  start?: { value: boolean; leaves: LeafReport[] };
  stop?: { value: boolean; leaves: LeafReport[] };
}

/**
 * Which job environment table an initctl *-env command acts on (initctl(8)): the global one (the
 * default outside a job, and with --global), or a live instance's own (the default inside a job).
 */
export type EnvScope = { kind: 'global' } | { kind: 'instance'; job: string; instance: string };

/** A live instance as custom actions and drift see it (docs/actions.md). */
export interface InstanceFacts {
  /** The definition the instance runs with (kept from its start until it stops). */
  spec: JobClassSpec;
  /** The class's loaded definition now; undefined once its job file is gone. */
  current: JobClassSpec | undefined;
  /** The instance's environment, as its processes get it. */
  env: string[];
  goal: 'start' | 'stop';
  state: JobState;
}

export interface EngineApi {
  /** Replaces the set of known classes by name. Running instances keep their old class until they stop. */
  addOrReplaceClass(spec: JobClassSpec): void;
  removeClass(name: string): void;
  getClass(name: string): JobClassSpec | undefined;
  classes(): JobClassSpec[];

  /**
   * The instance name KEY=VALUE pairs select: the job's `instance` stanza expanded over its
   * defaults and the (import-filtered) pairs, exactly as a start would name it; '' without the
   * stanza. Throws EngineError unknown-job, or invalid (`Unknown parameter: VAR`) for a variable
   * that is unset and has no default.
   */
  instanceOf(job: string, env: readonly string[]): string;

  /** The instance's definition, environment and state; undefined when there is no such instance. */
  instanceFacts?(job: string, instance: string): InstanceFacts | undefined;

  /** Instances of one job (empty for a job with none); throws EngineError unknown-job. */
  status(job: string, instance?: string): InstanceStatus[];

  /** Why the job's last instance failed to get ready (`main process: not ready after 90 s …`), until it starts again. */
  lastFailure?(job: string): string | undefined;

  /**
   * start/stop/restart/reload: `env` are KEY=VALUE strings from the command line; resolved when the
   * job reaches its goal (or at once if wait is false). Rejects with EngineError.
   */
  start(job: string, env: string[], wait: boolean): Promise<InstanceStatus>;
  stop(job: string, env: string[], wait: boolean): Promise<InstanceStatus>;
  restart(job: string, env: string[], wait: boolean): Promise<InstanceStatus>;
  reload(job: string, env: string[]): void;

  /** Emits an event; with wait, resolves once every job it moved has settled; rejects (failed) if any failed. */
  emit(name: string, env: string[], wait: boolean): Promise<void>;

  /** The global job environment table, as instances that start from now on get it. */
  jobEnv(): Map<string, string>;

  /** A job environment table, sorted by name; throws EngineError unknown-job / unknown-instance. */
  envList(scope: EnvScope): Array<[string, string]>;
  /** set-env: global also sets it in every live instance's table; `retain` keeps a value a table has. */
  envSet(scope: EnvScope, pairs: ReadonlyArray<[string, string]>, retain: boolean): void;
  /** unset-env, over the same tables as envSet. */
  envUnset(scope: EnvScope, names: readonly string[], retain: boolean): void;
  /** reset-env: global → `defaults` (live instances keep theirs); instance → rebuilt as at its starting. */
  envReset(scope: EnvScope, defaults: ReadonlyMap<string, string>): void;

  why(job: string): WhyReport;

  /** Journal listener; returns an unsubscribe function. */
  subscribe(fn: (entry: JournalEntry) => void): () => void;
}
