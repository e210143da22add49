// upstart-socket-bridge's rules (socket-event(7)): which sockets the jobs' `socket` conditions name, their event environment and fd names.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Condition } from '../model/condition.ts';

/** One socket a `socket PROTO=… …` operand names. */
export type SocketSpec =
  | { proto: 'inet' | 'inet6'; addr: string; port: number }
  | { proto: 'unix'; path: string };

export const socketKey = (s: SocketSpec): string => (s.proto === 'unix' ? `unix:${s.path}` : `${s.proto}:${s.addr}:${s.port}`);

/** The environment of the `socket` event for `s` (socket-event(7)): PROTO, PORT, ADDR or PROTO, SOCKET_PATH. */
export function eventEnv(s: SocketSpec): string[] {
  return s.proto === 'unix' ? ['PROTO=unix', `SOCKET_PATH=${s.path}`] : [`PROTO=${s.proto}`, `PORT=${s.port}`, `ADDR=${s.addr}`];
}

/**
 * The name the socket's fd has in the daemon's fd store and in LISTEN_FDNAMES: readable
 * (`inet-127.0.0.1-8080`, `unix-/run/x.sock`), with ':' (LISTEN_FDNAMES' separator) and blanks
 * made '_'; a long one is cut and keeps a hash of the whole.
 */
export function fdName(s: SocketSpec): string {
  const raw = s.proto === 'unix' ? `unix-${s.path}` : `${s.proto}-${s.addr}-${s.port}`;
  const clean = raw.replace(/[^\x21-\x7e]|:/g, '_');
  if (clean.length <= 200) return clean;
  return `${clean.slice(0, 180)}-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

const ARG_KEYS = ['PROTO', 'PORT', 'ADDR', 'SOCKET_PATH'];

/** Every socket the conditions name, once each, with the jobs naming it; operands that name no usable socket are skipped with why. */
export function socketsOf(conditions: { job: string; condition: Condition }[], skipped: (job: string, why: string) => void = () => {}): Map<string, { spec: SocketSpec; jobs: Set<string> }> {
  const out = new Map<string, { spec: SocketSpec; jobs: Set<string> }>();
  const visit = (job: string, c: Condition): void => {
    if (c.kind !== 'event') {
      visit(job, c.left);
      visit(job, c.right);
      return;
    }
    if (c.name !== 'socket') return;
    const r = specOf(c.args);
    if (typeof r === 'string') return skipped(job, r);
    const key = socketKey(r);
    const e = out.get(key) ?? { spec: r, jobs: new Set<string>() };
    e.jobs.add(job);
    out.set(key, e);
  };
  for (const { job, condition } of conditions) visit(job, condition);
  return out;
}

/** The socket of one operand's arguments, or why there is none. Positional values are PROTO, then PORT and ADDR (or SOCKET_PATH), as the event's env is ordered. */
export function specOf(args: { key?: string; value: string; negate?: boolean }[]): SocketSpec | string {
  const v = new Map<string, string>();
  let pos = 0;
  for (const a of args) {
    if (a.negate) return `'${a.key}!=${a.value}' names no socket to listen on`;
    if (a.key === 'PATH') return "PATH= is not socket-event(7)'s variable (it would replace the job's PATH): use SOCKET_PATH=";
    let key = a.key;
    if (key === undefined) {
      const proto = v.get('PROTO');
      key = pos === 0 ? 'PROTO' : proto === 'unix' ? (pos === 1 ? 'SOCKET_PATH' : undefined) : pos === 1 ? 'PORT' : pos === 2 ? 'ADDR' : undefined;
      pos++;
      if (key === undefined) return `too many positional values (${a.value})`;
    }
    if (!ARG_KEYS.includes(key)) continue; // other variables only narrow the match
    if (/[$*?[\]]/.test(a.value)) return `${key}=${a.value}: variables and globs are not expanded in socket conditions`;
    v.set(key, a.value);
  }
  const proto = v.get('PROTO');
  if (proto === undefined) return 'PROTO= is missing (inet, inet6 or unix)';
  if (proto === 'unix') {
    const path = v.get('SOCKET_PATH');
    if (path === undefined || path === '') return 'PROTO=unix needs SOCKET_PATH= (a path, or @name for an abstract socket)';
    if (!path.startsWith('/') && !path.startsWith('@')) return `SOCKET_PATH=${path} must be absolute (or @name, abstract)`;
    if (Buffer.byteLength(path) > 107) return `SOCKET_PATH=${path} is longer than a Unix socket address allows (107 bytes)`;
    return { proto: 'unix', path };
  }
  if (proto !== 'inet' && proto !== 'inet6') return `PROTO=${proto} is not inet, inet6 or unix`;
  const portText = v.get('PORT');
  const port = portText !== undefined && /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) return `PORT=${portText ?? ''} is not a port number (1-65535)`;
  const addr = v.get('ADDR') ?? (proto === 'inet' ? '0.0.0.0' : '::');
  if (isIP(addr) !== (proto === 'inet' ? 4 : 6)) return `ADDR=${addr} is not a numeric ${proto === 'inet' ? 'IPv4' : 'IPv6'} address`;
  return { proto, addr, port };
}
