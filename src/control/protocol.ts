// The control protocol: handshake, requests and replies as tagged unions, and their pure line codec.
import type { EngineErrorCode, InstanceStatus, JournalEntry, WhyReport } from '../model/engineApi.ts';
import type { SysvRunResult, SysvStatus } from '../model/sysv.ts';
import type { ActionResult } from '../model/actions.ts';
import type { ReloadPlan } from '../config/classDiff.ts';
import type { EmitDryRun } from '../job/dryRun.ts';

/**
 * Wire format: UTF-8, one JSON object per line ("\n"-terminated), both ways.
 * 1. The client sends a Hello line first; the server answers with a `hello` reply (or an `error`
 *    reply and closes when the version is not supported).
 * 2. The client then sends requests, each with its own numeric `id`; the server answers each
 *    with exactly one terminal reply (`result`, `error` or `exit`) carrying that id, preceded
 *    for streaming requests by any number of `output` / `event` replies with the same id.
 * 3. `subscribe` streams `event` replies until `cancel` or the connection closes.
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

/** Requests that change nothing; anyone may send them. */
export type ReadRequest =
  | { type: 'command'; id: number; argv: string[]; env: Record<string, string>; cwd?: string }
  | { type: 'status'; id: number; job: string; instance?: string }
  | { type: 'list'; id: number }
  | { type: 'version'; id: number }
  | { type: 'get-log-priority'; id: number }
  | { type: 'list-env'; id: number }
  | { type: 'get-env'; id: number; name: string }
  | { type: 'show-config'; id: number; job?: string }
  | { type: 'why'; id: number; job: string }
  | { type: 'list-sessions'; id: number }
  | { type: 'journal'; id: number }
  /** The SysV init scripts upstart-rc has run, with their states (docs/sysv.md). */
  | { type: 'sysv-list'; id: number }
  /** runlevel(8): init's current and previous runlevel, and any shutdown it has pending. */
  | { type: 'runlevel'; id: number }
  | { type: 'subscribe'; id: number }
  | { type: 'cancel'; id: number; target: number }
  /** emit --dry-run: what emitting NAME ENV would start, stop or restart; changes nothing (docs/actions.md). */
  | { type: 'emit-dry-run'; id: number; name: string; env: string[] }
  /** reload-configuration --dry-run [--from DIR]: the classes a reload would add, change and remove (docs/actions.md). */
  | { type: 'reload-dry-run'; id: number; from?: string };

/** Requests that change the daemon's state; only root (system) or the session owner may send them. */
export type WriteRequest =
  | { type: 'start'; id: number; job: string; env: string[]; wait: boolean }
  | { type: 'stop'; id: number; job: string; env: string[]; wait: boolean }
  | { type: 'restart'; id: number; job: string; env: string[]; wait: boolean }
  | { type: 'reload'; id: number; job: string; env: string[] }
  | { type: 'emit'; id: number; name: string; env: string[]; wait: boolean }
  | { type: 'set-env'; id: number; name: string; value: string; retain: boolean }
  | { type: 'unset-env'; id: number; name: string }
  | { type: 'reset-env'; id: number }
  | { type: 'reload-configuration'; id: number }
  | { type: 'set-log-priority'; id: number; priority: string }
  | { type: 'notify-disk-writeable'; id: number }
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
  | { type: 'cancel-shutdown'; id: number }
  /**
   * initctl action JOB ACTION [KEY=VALUE]...: runs the job's `action ACTION` in the running instance the pairs
   * select; with wait, answers once it has ended, with its exit status (docs/actions.md).
   */
  | { type: 'action'; id: number; job: string; action: string; env: string[]; wait: boolean };

export type Request = ReadRequest | WriteRequest;
export type RequestType = Request['type'];

/** What a `result` reply carries for each typed request. */
export interface ResultMap {
  command: never;
  status: StatusList;
  list: StatusList;
  version: string;
  'get-log-priority': string;
  'list-env': Record<string, string>;
  'get-env': string;
  'show-config': ConfigSummary[];
  why: WhyReport;
  'list-sessions': SessionInfo[];
  journal: JournalEntry[];
  'sysv-list': SysvStatus[];
  subscribe: null;
  cancel: null;
  start: InstanceStatus;
  stop: InstanceStatus;
  restart: InstanceStatus;
  reload: null;
  emit: null;
  'set-env': null;
  'unset-env': null;
  'reset-env': null;
  'reload-configuration': null;
  'set-log-priority': null;
  'notify-disk-writeable': null;
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
  | { type: 'event'; id: number; entry: JournalEntry };

export type Decoded<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

const WRITE_TYPES: ReadonlySet<string> = new Set([
  'start', 'stop', 'restart', 'reload', 'emit', 'set-env', 'unset-env', 'reset-env',
  'reload-configuration', 'set-log-priority', 'notify-disk-writeable', 'sysv-run',
  'telinit', 'cancel-shutdown', 'action',
]);

/**
 * Reads that show environments (which carry secrets): the owner's only (D7). The typed journal and subscribe
 * requests are still open to every user (the JSON protocol's event stream); initctl's `events` is not.
 */
const PRIVATE_READ_TYPES: ReadonlySet<string> = new Set(['list-env', 'get-env', 'emit-dry-run', 'reload-dry-run']);

/** True for reads only a privileged peer may make; status, list and the rest stay open to every user, as in Upstart. */
export function isPrivateRead(r: Request): boolean {
  return PRIVATE_READ_TYPES.has(r.type);
}

/** True for requests only a privileged peer may send (a `command` is judged by its argv later). */
export function isWriteRequest(r: Request): r is WriteRequest {
  return WRITE_TYPES.has(r.type);
}

/** One message as one line (with the trailing newline). JSON escapes any newline inside strings. */
export function encodeLine(msg: Hello | Request | Reply): string {
  return `${JSON.stringify(msg)}\n`;
}

function fail<T>(code: ErrorCode, message: string): Decoded<T> {
  return { ok: false, code, message };
}

function parseObject(line: string): Decoded<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return fail('bad-request', 'malformed JSON: each line must be one JSON object');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return fail('bad-request', 'each line must be one JSON object');
  }
  return { ok: true, value: v as Record<string, unknown> };
}

export function decodeHello(line: string): Decoded<Hello> {
  const o = parseObject(line);
  if (!o.ok) return o;
  const { protocol, version } = o.value;
  if (protocol !== PROTOCOL_NAME || typeof version !== 'number') {
    return fail('bad-request', `expected a handshake {"protocol":"${PROTOCOL_NAME}","version":${PROTOCOL_VERSION}} first`);
  }
  if (version !== PROTOCOL_VERSION) {
    return fail('bad-version', `protocol version ${version} is not supported; this daemon speaks version ${PROTOCOL_VERSION}`);
  }
  return { ok: true, value: { protocol, version } };
}

/** Field checkers: each returns an error text or undefined. */
type Check = (v: unknown) => string | undefined;
const str: Check = (v) => (typeof v === 'string' ? undefined : 'a string');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'a boolean');
const int: Check = (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? undefined : 'an integer');
const strList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : 'an array of strings');
const strMap: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
    ? undefined
    : 'an object of strings';
const opt = (c: Check): Check => (v) => (v === undefined ? undefined : c(v));

/** Every request type and the fields it carries besides `type` and `id`. */
const REQUEST_FIELDS: Record<RequestType, Record<string, Check>> = {
  command: { argv: strList, env: strMap, cwd: opt(str) },
  status: { job: str, instance: opt(str) },
  list: {},
  version: {},
  'get-log-priority': {},
  'list-env': {},
  'get-env': { name: str },
  'show-config': { job: opt(str) },
  why: { job: str },
  'list-sessions': {},
  journal: {},
  'sysv-list': {},
  runlevel: {},
  subscribe: {},
  cancel: { target: int },
  start: { job: str, env: strList, wait: bool },
  stop: { job: str, env: strList, wait: bool },
  restart: { job: str, env: strList, wait: bool },
  reload: { job: str, env: strList },
  emit: { name: str, env: strList, wait: bool },
  'set-env': { name: str, value: str, retain: bool },
  'unset-env': { name: str },
  'reset-env': {},
  'reload-configuration': {},
  'set-log-priority': { priority: str },
  'notify-disk-writeable': {},
  'sysv-run': {
    name: str, script: str, env: strList, timeoutMs: int, note: opt(str),
    action: (v) => (v === 'start' || v === 'stop' ? undefined : 'start or stop'),
  },
  telinit: { runlevel: str, env: strList, at: opt(int), message: opt(str) },
  'cancel-shutdown': {},
  action: { job: str, action: str, env: strList, wait: bool },
  'emit-dry-run': { name: str, env: strList },
  'reload-dry-run': { from: opt(str) },
};

/** Decodes one request line; unknown fields are ignored, missing or mistyped ones rejected. */
export function decodeRequest(line: string): Decoded<Request> {
  const o = parseObject(line);
  if (!o.ok) return o;
  const m = o.value;
  if (typeof m.type !== 'string' || !Object.hasOwn(REQUEST_FIELDS, m.type)) {
    return fail('bad-request', `unknown request type: ${JSON.stringify(m.type)}`);
  }
  const type = m.type as RequestType;
  if (int(m.id) !== undefined) return fail('bad-request', `${type}: id must be an integer`);
  const out: Record<string, unknown> = { type, id: m.id };
  for (const [field, check] of Object.entries(REQUEST_FIELDS[type])) {
    const err = check(m[field]);
    if (err !== undefined) return fail('bad-request', `${type}: ${field} must be ${err}`);
    if (m[field] !== undefined) out[field] = m[field];
  }
  return { ok: true, value: out as Request };
}

const REPLY_FIELDS: Record<Reply['type'], Record<string, Check>> = {
  hello: { version: int, server: str },
  result: {},
  error: { code: str, message: str },
  output: { id: int, stream: (v) => (v === 'stdout' || v === 'stderr' ? undefined : 'stdout or stderr'), data: str },
  exit: { id: int, status: int },
  event: { id: int, entry: (v) => (typeof v === 'object' && v !== null ? undefined : 'an object') },
};

/** Decodes one reply line (the client side). */
export function decodeReply(line: string): Decoded<Reply> {
  const o = parseObject(line);
  if (!o.ok) return o;
  const m = o.value;
  if (typeof m.type !== 'string' || !Object.hasOwn(REPLY_FIELDS, m.type)) {
    return fail('bad-request', `unknown reply type: ${JSON.stringify(m.type)}`);
  }
  const type = m.type as Reply['type'];
  if (type === 'result' && int(m.id) !== undefined) return fail('bad-request', 'result: id must be an integer');
  if (type === 'error' && m.id !== null && int(m.id) !== undefined) return fail('bad-request', 'error: id must be an integer or null');
  for (const [field, check] of Object.entries(REPLY_FIELDS[type])) {
    const err = check(m[field]);
    if (err !== undefined) return fail('bad-request', `${type}: ${field} must be ${err}`);
  }
  return { ok: true, value: m as Reply };
}
