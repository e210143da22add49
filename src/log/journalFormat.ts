// Human text for journal entries (`initctl events`), one line each, the way upstart-monitor printed them.
import type { JournalEntry } from '../model/engineApi.ts';
import { instanceLabel } from '../model/instanceRef.ts';

export interface JournalFormatOptions {
  /** Show wall time in UTC instead of local time (tests, logs shared across zones). */
  utc?: boolean;
}

/**
 * `2026-11-27 12:00:01.234 [    12.345] KIND    DETAILS`: wall time, then the monotonic time in
 * seconds (as dmesg shows it), the kind padded to a column, then what happened:
 * - event:        `startup RUNLEVEL=2` (env as given, quoted when it holds spaces or control bytes)
 * - state:        `foo (inst) start/running`
 * - spawn:        `foo (inst) main process 1234`
 * - exit:         `foo main process 1234 exited 0` / `killed by TERM`
 * - spawn-failed: `foo pre-start: MESSAGE`
 */
export function formatJournalEntry(e: JournalEntry, opts: JournalFormatOptions = {}): string {
  return `${formatWall(e.wall, opts.utc ?? false)} [${(e.t / 1000).toFixed(3).padStart(10)}] ${e.kind.padEnd(12)} ${details(e)}`;
}

function details(e: JournalEntry): string {
  switch (e.kind) {
    case 'event':
      return [e.name, ...e.env.map(quoteWord)].join(' ');
    case 'state':
      return `${instanceLabel(e.job, e.instance)} ${e.goal}/${e.state}`;
    case 'spawn':
      return `${instanceLabel(e.job, e.instance)} ${e.process} process ${e.pid}`;
    case 'exit': {
      const how = e.signal !== undefined ? `killed by ${e.signal}` : e.status !== undefined ? `exited ${e.status}` : 'ended';
      return `${instanceLabel(e.job, e.instance)} ${e.process} process ${e.pid} ${how}`;
    }
    case 'spawn-failed':
      return `${instanceLabel(e.job, e.instance)} ${e.process}: ${oneLine(e.message)}`;
  }
}

// eslint-disable-next-line no-control-regex
const NEEDS_QUOTES = /[\s"'\\\x00-\x1f\x7f]/;

function quoteWord(w: string): string {
  return NEEDS_QUOTES.test(w) ? JSON.stringify(w) : w;
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function formatWall(ms: number, utc: boolean): string {
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const [y, mo, da, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const msPart = String(utc ? d.getUTCMilliseconds() : d.getMilliseconds()).padStart(3, '0');
  return `${y}-${p2(mo)}-${p2(da)} ${p2(h)}:${p2(mi)}:${p2(s)}.${msPart}`;
}
