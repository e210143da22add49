// The control protocol's pure line codec: one JSON object per line, every field checked against a table.
import {
  PROTOCOL_NAME, PROTOCOL_VERSION,
  type ErrorCode, type Hello, type Reply, type Request, type RequestType,
} from './protocol.ts';

export type Decoded<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

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
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a number of ms, 0 or more');
const strList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : 'an array of strings');
const strMap: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
    ? undefined
    : 'an object of strings';
const opt = (c: Check): Check => (v) => (v === undefined ? undefined : c(v));
const oneOf = (...vs: string[]): Check => (v) => (typeof v === 'string' && vs.includes(v) ? undefined : vs.join(' or '));
const strPairs: Check = (v) =>
  Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'string'))
    ? undefined
    : 'an array of [name, value] string pairs';
const GOAL_CHANGE = { job: str, env: strList, wait: bool, instance: opt(str) };
const ENV_SCOPE = { job: opt(str), instance: opt(str) };

/** Every request type and the fields it carries besides `type` and `id` (protocol.ts documents them). */
const REQUEST_FIELDS: Record<RequestType, Record<string, Check>> = {
  command: { argv: strList, env: strMap, cwd: opt(str) },
  cancel: { target: int },
  status: { job: str, instance: opt(str), env: opt(strList), detail: opt(oneOf('summary', 'full')) },
  list: {},
  start: GOAL_CHANGE,
  stop: GOAL_CHANGE,
  restart: GOAL_CHANGE,
  reload: { job: str, env: strList, instance: opt(str) },
  usage: { job: str },
  emit: { name: str, env: strList, wait: bool },
  'notify-ready': { job: str, instance: str },
  journal: { follow: opt(bool) },
  subscribe: {},
  why: { job: str },
  'list-env': ENV_SCOPE,
  'get-env': { name: str, ...ENV_SCOPE },
  'set-env': { name: str, value: str, retain: bool, more: opt(strPairs), ...ENV_SCOPE },
  'unset-env': { name: str, more: opt(strList), retain: opt(bool), ...ENV_SCOPE },
  'reset-env': ENV_SCOPE,
  'show-config': { job: opt(str), enumerate: opt(bool) },
  'watch-config': {},
  'check-config': { job: opt(str), ignoreEvents: strList, warn: bool },
  graph: { only: opt(strList) },
  plot: { since: opt(num), until: opt(num) },
  'reload-configuration': {},
  version: {},
  'get-log-priority': {},
  'set-log-priority': { priority: str },
  'notify-disk-writeable': {},
  'notify-address': { kind: oneOf('dbus', 'cgroup-manager'), address: str },
  reexec: { withState: opt(str) },
  'list-sessions': {},
  'sysv-list': {},
  runlevel: {},
  'sysv-run': { name: str, script: str, env: strList, timeoutMs: int, note: opt(str), action: oneOf('start', 'stop') },
  telinit: { runlevel: str, env: strList, at: opt(int), message: opt(str) },
  'cancel-shutdown': {},
  action: { job: str, action: str, env: strList, wait: bool, instance: opt(str) },
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
  config: { id: int, summaries: (v) => (Array.isArray(v) && v.every((s) => typeof s === 'object' && s !== null) ? undefined : 'an array of objects') },
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
