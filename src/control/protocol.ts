// The control protocol's vocabulary: handshake, every request and reply as tagged unions (the codec is codec.ts).
import type { EngineErrorCode, InstanceStatus, JournalEntry, WhyReport } from '../model/engineApi.ts';
import type { SysvRunResult, SysvStatus } from '../model/sysv.ts';
import type { OutputStats } from '../log/port.ts';
import type { JobGraph } from './commands/graph.ts';
import type { Plot } from './commands/plot.ts';
import type { JobProblems } from './commands/reachability.ts';
import type { CgroupStats } from './hooks.ts';
import type { ActionResult } from '../model/actions.ts';
import type { FieldChange, ReloadPlan } from '../config/classDiff.ts';
import type { EmitDryRun } from '../job/dryRun.ts';

/**
 * Wire format: UTF-8, one JSON object per line ("\n"-terminated), both ways.
 * 1. The client sends a Hello line first; the server answers with a `hello` reply (or an `error`
 *    reply and closes when the version is not supported).
 * 2. The client then sends requests, each with its own numeric `id`; the server answers each
 *    with exactly one terminal reply (`result`, `error` or `exit`) carrying that id, preceded
 *    for streaming requests by any number of `output` / `event` replies with the same id.
 * 3. `subscribe` streams `event` replies until `cancel` or the connection closes; `watch-config`
 *    streams `config` replies (the job list at once, then after each change) the same way.
 * A line that is not a valid message gets an `error` reply with id null and the connection closes.
 */
export const PROTOCOL_VERSION = 1;
export const PROTOCOL_NAME = 'upstart-ts';
/** Longest line either side accepts (bytes, without the newline). */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface Hello {
  protocol: typeof PROTOCOL_NAME;
  version: number;
}

export type StatusList = InstanceStatus[];

export interface SessionInfo {
  pid: number;
  session: string;
}

/**
 * Every request the daemon answers: the whole control vocabulary. initctl's command lines are parsed
 * into these (src/control/commands/), the typed client sends them as they are, and who may send each
 * is one table (src/control/auth.ts). Optional fields are what initctl's options add.
 */
export type Request =
  /** One whole initctl command line, parsed, authorised and answered as the Request it names, printed as initctl prints it. */
  | { type: 'command'; id: number; argv: string[]; env: Record<string, string>; cwd?: string }
  | { type: 'cancel'; id: number; target: number }
  | JobRequest
  | EventRequest
  | EnvRequest
  | ConfigRequest
  | DaemonRequest
  | MachineRequest;

/** A goal change: `instance` (a job acting on itself) selects the instance by name instead of by `env`. */
type GoalChange = { job: string; env: string[]; wait: boolean; instance?: string };

/** Jobs and their instances (src/control/handlers/jobs.ts). */
export type JobRequest =
  /**
   * Without `detail`: the instances (empty: none). `env` names one instance by its KEY=VALUE pairs.
   * detail `summary`: as initctl shows it (a `stop/waiting` entry when none, with its lastFailure; an
   * init script upstart-rc ran, with `sysv`); `full` adds each instance's output, cgroup and notifyStatus.
   * Both carry `readiness` (the watchdog, STOPPING/RELOADING) when there is some.
   */
  | { type: 'status'; id: number; job: string; instance?: string; env?: string[]; detail?: 'summary' | 'full' }
  | { type: 'list'; id: number }
  | ({ type: 'start'; id: number } & GoalChange)
  | ({ type: 'stop'; id: number } & GoalChange)
  | ({ type: 'restart'; id: number } & GoalChange)
  | { type: 'reload'; id: number; job: string; env: string[]; instance?: string }
  | { type: 'usage'; id: number; job: string }
  /**
   * initctl action JOB ACTION [KEY=VALUE]...: runs the job's `action ACTION` in the running instance the pairs
   * select; with wait, answers once it has ended, with its exit status (docs/actions.md).
   */
  | { type: 'action'; id: number; job: string; action: string; env: string[]; wait: boolean; instance?: string };

/** Events and what they did (handlers/events.ts). */
export type EventRequest =
  | { type: 'emit'; id: number; name: string; env: string[]; wait: boolean }
  /** Emits `ready JOB=job INSTANCE=instance` without waiting. */
  | { type: 'notify-ready'; id: number; job: string; instance: string }
  /** The journal so far; with `follow`, streamed as `event` replies with every new entry, until cancelled (result []). */
  | { type: 'journal'; id: number; follow?: boolean }
  | { type: 'subscribe'; id: number }
  | { type: 'why'; id: number; job: string }
  /** emit --dry-run: what emitting NAME ENV would start, stop or restart; changes nothing (docs/actions.md). */
  | { type: 'emit-dry-run'; id: number; name: string; env: string[] };

/** A job's own table (`job`, `instance`: initctl run from within a job) or, without `job`, the global one. */
type EnvScopeFields = { job?: string; instance?: string };

/** The job environment tables (handlers/env.ts). */
export type EnvRequest =
  | ({ type: 'list-env'; id: number } & EnvScopeFields)
  | ({ type: 'get-env'; id: number; name: string } & EnvScopeFields)
  /** Without `job`: the global table and every live instance's. `more`: further pairs set at once. */
  | ({ type: 'set-env'; id: number; name: string; value: string; retain: boolean; more?: Array<[string, string]> } & EnvScopeFields)
  /** `retain`: a variable that is set is left alone (initctl(8)). */
  | ({ type: 'unset-env'; id: number; name: string; more?: string[]; retain?: boolean } & EnvScopeFields)
  | ({ type: 'reset-env'; id: number } & EnvScopeFields);

/** Static facts about the loaded job classes (handlers/config.ts). */
export type ConfigRequest =
  /** `enumerate`: each summary carries its condition operands (show-config -e). */
  | { type: 'show-config'; id: number; job?: string; enumerate?: boolean }
  /**
   * The job list as show-config gives it, streamed as `config` replies: at once, then again each
   * time the job classes change (a conf-dir change, reload-configuration), until cancelled (result
   * null). For the bridges, which follow the jobs' conditions without polling.
   */
  | { type: 'watch-config'; id: number }
  | { type: 'check-config'; id: number; job?: string; ignoreEvents: string[]; warn: boolean }
  /** What starts and stops what; `only`: just those jobs' conditions. */
  | { type: 'graph'; id: number; only?: string[] }
  /** The job timeline built from the journal (no environments in it); since/until: ms on init's clock. */
  | { type: 'plot'; id: number; since?: number; until?: number }
  | { type: 'reload-configuration'; id: number }
  /** reload-configuration --dry-run [--from DIR]: the classes a reload would add, change and remove (docs/actions.md). */
  | { type: 'reload-dry-run'; id: number; from?: string };

/** The daemon itself (handlers/daemon.ts). */
export type DaemonRequest =
  | { type: 'version'; id: number }
  | { type: 'get-log-priority'; id: number }
  | { type: 'set-log-priority'; id: number; priority: string }
  | { type: 'notify-disk-writeable'; id: number }
  | { type: 'notify-address'; id: number; kind: 'dbus' | 'cgroup-manager'; address: string }
  /** Stateful re-exec; `withState`: an absolute path the daemon reads its state from. */
  | { type: 'reexec'; id: number; withState?: string }
  | { type: 'list-sessions'; id: number };

/** SysV scripts and runlevels (handlers/machine.ts). */
export type MachineRequest =
  /** The SysV init scripts upstart-rc has run, with their states (docs/sysv.md). */
  | { type: 'sysv-list'; id: number }
  /** runlevel(8): init's current and previous runlevel, and any shutdown it has pending. */
  | { type: 'runlevel'; id: number }
  /**
   * upstart-rc: run SCRIPT ACTION as service NAME, between its starting/started or stopping/stopped
   * events (JOB=NAME SYSV=1); answers when the script has ended (docs/sysv.md).
   */
  | { type: 'sysv-run'; id: number; name: string; script: string; action: 'start' | 'stop'; env: string[]; timeoutMs: number; note?: string }
  /**
   * telinit(8) and shutdown(8): go to RUNLEVEL (0-6, S), emitting `runlevel RUNLEVEL=N PREVLEVEL=M`
   * with ENV (INIT_HALT=HALT|POWEROFF); with `at` (ms since the epoch), at that time, replacing any
   * change already pending. 0 and 6 are the machine's shutdown (docs/machine.md).
   */
  | { type: 'telinit'; id: number; runlevel: string; env: string[]; at?: number; message?: string }
  /** shutdown -c: cancels the pending runlevel change, if any. */
  | { type: 'cancel-shutdown'; id: number };

export type RequestType = Request['type'];
/** One request type's member of the union. */
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;
/** A request without its id: what a command line parses into. Distributes over the union. */
export type RequestBody<T extends RequestType = RequestType> = T extends RequestType ? Omit<RequestOf<T>, 'id'> : never;

/** Requests that stream until cancelled and do not count as pending (a subscription never holds back reading). */
export const ENDLESS_TYPES: ReadonlySet<RequestType> = new Set(['subscribe', 'watch-config']);

/** What readiness tracking knows of an instance (docs/readiness.md). */
export interface Readiness {
  watchdog?: { usec: number; timeouts: number; last?: { reason: string; at: number } };
  state?: string;
}

/** status with detail: an instance (or the `stop/waiting` stand-in) with what initctl status --json shows of it. */
export type StatusEntry = InstanceStatus & {
  output?: OutputStats;
  cgroup?: CgroupStats;
  notifyStatus?: string;
  /** The instance's watchdog (interval, timeouts, why it last fired) and STOPPING/RELOADING state, if any (summary too: status shows why a watchdog fired). */
  readiness?: Readiness;
  /** Why the job's last start failed, on the stand-in of a job with no instance left. */
  lastFailure?: string;
  /** An init script upstart-rc ran: what its status action said. */
  sysv?: { statusExit: number | null; statusOutput: string };
  /** `action NAME` stanzas of the instance's definition (ours; absent without any). */
  actions?: string[];
  /** Actions of the instance running now. */
  runningActions?: Array<{ action: string; pid: number }>;
};

/** An instance running a definition other than the loaded one (docs/actions.md, drift). */
export interface Drift {
  definition: 'changed' | 'removed';
  /** From the instance's definition to the loaded one (empty when removed). */
  changes: FieldChange[];
}

/** status and list entries carry the instance's drift, when it has some (initctl marks it). */
export type Drifting<T> = T & { drift?: Drift };

/** What a `result` reply carries for each request. */
export interface ResultMap {
  command: never;
  cancel: null;
  status: Array<Drifting<StatusEntry>>;
  list: Array<Drifting<InstanceStatus>>;
  start: InstanceStatus;
  stop: InstanceStatus;
  restart: InstanceStatus;
  reload: null;
  usage: { job: string; usage: string };
  emit: null;
  'notify-ready': null;
  journal: JournalEntry[];
  subscribe: null;
  why: WhyReport;
  'list-env': Record<string, string>;
  'get-env': string;
  'set-env': null;
  'unset-env': null;
  'reset-env': null;
  'show-config': ConfigSummary[];
  'watch-config': null;
  'check-config': JobProblems[];
  graph: JobGraph;
  plot: Plot;
  'reload-configuration': null;
  version: string;
  'get-log-priority': string;
  'set-log-priority': null;
  'notify-disk-writeable': null;
  'notify-address': null;
  reexec: null;
  'list-sessions': SessionInfo[];
  'sysv-list': SysvStatus[];
  'sysv-run': SysvRunResult;
  runlevel: RunlevelState;
  telinit: { replaced?: PendingChange };
  'cancel-shutdown': { cancelled?: PendingChange };
  action: ActionResult;
  'emit-dry-run': EmitDryRun;
  'reload-dry-run': ReloadPlan;
}

/** init's runlevels: `N` for none yet (before the first telinit). */
export interface RunlevelState {
  runlevel: string;
  previous: string;
  pending?: PendingChange;
}

/** A runlevel change asked for with a time (shutdown +M / HH:MM). */
export interface PendingChange {
  runlevel: string;
  env: string[];
  /** ms since the epoch. */
  at: number;
  message?: string;
}

/** show-config's facts for one job class. */
export interface ConfigSummary {
  name: string;
  emits: string[];
  /** Fully parenthesised condition text, as `initctl show-config` prints it. */
  start?: string;
  stop?: string;
  /** With `enumerate`: one line per event operand, as show-config -e prints them. */
  startOperands?: string[];
  stopOperands?: string[];
  /** `action NAME` stanzas (ours), in file order; absent when there are none. */
  actions?: string[];
}

/** Stable error codes of the protocol: the engine's, plus transport-level ones. */
export type ErrorCode =
  | EngineErrorCode
  | 'bad-request'
  | 'bad-version'
  | 'too-long'
  | 'timeout'
  | 'unsupported'
  | 'internal'
  | 'closed'
  /** The daemon refused or closed the connection to keep its budgets (too many connections from one user). */
  | 'busy';

export type Reply =
  | { type: 'hello'; version: number; server: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number | null; code: ErrorCode; message: string }
  | { type: 'output'; id: number; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'exit'; id: number; status: number }
  | { type: 'event'; id: number; entry: JournalEntry }
  | { type: 'config'; id: number; summaries: ConfigSummary[] };
