// utmp and wtmp records (utmp(5), x86_64 glibc layout): init's RUN_LVL records, the shutdown record, and the logged-in users' terminals.
import { closeSync, existsSync, openSync, readFileSync, readSync, writeSync, fstatSync } from 'node:fs';

export const UTMP_SIZE = 384;
export const RUN_LVL = 1;
export const USER_PROCESS = 7;

export interface UtmpRecord {
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  /** Seconds since the epoch. */
  sec: number;
  usec: number;
}

function putString(buf: Buffer, at: number, len: number, s: string): void {
  buf.fill(0, at, at + len);
  buf.write(s.slice(0, len), at, 'utf8');
}

function getString(buf: Buffer, at: number, len: number): string {
  const raw = buf.subarray(at, at + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

export function encodeUtmp(r: UtmpRecord): Buffer {
  const b = Buffer.alloc(UTMP_SIZE);
  b.writeInt16LE(r.type, 0);
  b.writeInt32LE(r.pid, 4);
  putString(b, 8, 32, r.line);
  putString(b, 40, 4, r.id);
  putString(b, 44, 32, r.user);
  putString(b, 76, 256, r.host);
  b.writeInt32LE(r.sec, 340);
  b.writeInt32LE(r.usec, 344);
  return b;
}

export function decodeUtmp(b: Buffer): UtmpRecord {
  return {
    type: b.readInt16LE(0), pid: b.readInt32LE(4), line: getString(b, 8, 32), id: getString(b, 40, 4),
    user: getString(b, 44, 32), host: getString(b, 76, 256), sec: b.readInt32LE(340), usec: b.readInt32LE(344),
  };
}

/** Every whole record of a utmp/wtmp file (none if it cannot be read). */
export function readUtmp(path: string): UtmpRecord[] {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return [];
  }
  const out: UtmpRecord[] = [];
  for (let at = 0; at + UTMP_SIZE <= data.length; at += UTMP_SIZE) out.push(decodeUtmp(data.subarray(at, at + UTMP_SIZE)));
  return out;
}

/** The runlevel record as sysvinit writes it: `runlevel` on `~`, the new level in the low byte of ut_pid, the old one above. */
export function runlevelRecord(runlevel: string, previous: string, now: number): UtmpRecord {
  const code = (c: string): number => c.charCodeAt(0) & 0xff;
  return { type: RUN_LVL, pid: code(runlevel) + 256 * code(previous), line: '~', id: '~~', user: 'runlevel', host: '', sec: Math.floor(now / 1000), usec: (now % 1000) * 1000 };
}

/** wtmp's shutdown record (`last -x` shows `shutdown system down`). */
export function shutdownRecord(now: number): UtmpRecord {
  return { type: RUN_LVL, pid: 0, line: '~~', id: '~~', user: 'shutdown', host: '', sec: Math.floor(now / 1000), usec: (now % 1000) * 1000 };
}

/** The runlevel a utmp RUN_LVL record says, and the one before (`N`: none); undefined if it has none. */
export function runlevelOf(records: readonly UtmpRecord[]): { runlevel: string; previous: string } | undefined {
  const r = records.filter((x) => x.type === RUN_LVL && x.user === 'runlevel').at(-1);
  if (r === undefined) return undefined;
  const cur = String.fromCharCode(r.pid & 0xff);
  const prev = String.fromCharCode((r.pid >> 8) & 0xff);
  return { runlevel: cur, previous: /^[0-6S]$/.test(prev) ? prev : 'N' };
}

/** Writes `r` over the file's RUN_LVL `runlevel` record, or appends it; creates the file (0664) if needed. */
export function putUtmp(path: string, r: UtmpRecord): void {
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w+', 0o664);
  try {
    const size = fstatSync(fd).size;
    const rec = Buffer.alloc(UTMP_SIZE);
    let at = 0;
    for (; at + UTMP_SIZE <= size; at += UTMP_SIZE) {
      readSync(fd, rec, 0, UTMP_SIZE, at);
      const old = decodeUtmp(rec);
      if (old.type === r.type && old.user === r.user && old.line === r.line) break;
    }
    if (at + UTMP_SIZE > size) at = size - (size % UTMP_SIZE);
    writeSync(fd, encodeUtmp(r), 0, UTMP_SIZE, at);
  } finally {
    closeSync(fd);
  }
}

/** Appends `r` to a wtmp file, creating it (0664) if needed. */
export function appendWtmp(path: string, r: UtmpRecord): void {
  const fd = openSync(path, 'a', 0o664);
  try {
    writeSync(fd, encodeUtmp(r));
  } finally {
    closeSync(fd);
  }
}
