// The daemon's own log: levelled messages to stderr, or to /dev/kmsg when running as PID 1, rate-limited.
import { openSync, writeSync } from 'node:fs';

/** initctl log-priority names, most verbose first (as Upstart's). */
export const LOG_PRIORITIES = ['debug', 'info', 'message', 'warn', 'error', 'fatal'] as const;
export type LogPriority = (typeof LOG_PRIORITIES)[number];

export type LogLevel = 'debug' | 'info' | 'message' | 'warn' | 'error';

const RANK: Record<LogPriority, number> = { debug: 0, info: 1, message: 2, warn: 3, error: 4, fatal: 5 };
/** syslog levels for /dev/kmsg lines. */
const KMSG_LEVEL: Record<LogLevel, number> = { debug: 7, info: 6, message: 5, warn: 4, error: 3 };

/** At most `burst` messages per `intervalMs`; the rest are counted and reported as one line (as journald and rsyslog do). */
export interface LogRateLimit {
  intervalMs: number;
  burst: number;
}

/** Generous enough for a verbose boot of a few hundred jobs; a flood from a client or a bad file stops at it. */
export const DEFAULT_LOG_RATE_LIMIT: LogRateLimit = { intervalMs: 5000, burst: 1000 };

/** A message longer than this is cut (its length is said), so that no single line floods the log. */
export const MAX_LOG_MESSAGE = 2048;

export interface DaemonLogOptions {
  priority: LogPriority;
  kmsg?: boolean;
  /** null: no limit. */
  rateLimit?: LogRateLimit | null;
  /** Where lines go instead of stderr / kmsg (tests). */
  sink?: (line: string) => void;
  now?: () => number;
}

export class DaemonLog {
  private priority: LogPriority;
  private fd: number;
  private readonly kmsg: boolean;
  private readonly limit: LogRateLimit | null;
  private readonly sink: ((line: string) => void) | undefined;
  private readonly now: () => number;
  private windowStart = -Infinity;
  private inWindow = 0;
  private suppressed = 0;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(opts: DaemonLogOptions) {
    this.priority = opts.priority;
    this.kmsg = false;
    this.fd = 2;
    this.limit = opts.rateLimit === undefined ? DEFAULT_LOG_RATE_LIMIT : opts.rateLimit;
    this.sink = opts.sink;
    this.now = opts.now ?? Date.now;
    if (opts.kmsg) {
      try {
        this.fd = openSync('/dev/kmsg', 'w');
        this.kmsg = true;
      } catch {
        this.fd = 2;
      }
    }
  }

  getPriority(): LogPriority {
    return this.priority;
  }

  setPriority(p: LogPriority): void {
    this.priority = p;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.priority];
  }

  log(level: LogLevel, msg: string): void {
    if (!this.enabled(level)) return;
    const l = this.limit;
    if (l !== null) {
      const now = this.now();
      if (now - this.windowStart >= l.intervalMs) {
        this.reportSuppressed();
        this.windowStart = now;
        this.inWindow = 0;
      }
      if (this.inWindow >= l.burst) {
        this.suppressed++;
        this.armFlush(l);
        return;
      }
      this.inWindow++;
    }
    this.write(level, msg);
  }

  /** Writes the "suppressed N messages" line now, if any were (also at the end of each window). */
  reportSuppressed(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.suppressed === 0 || this.limit === null) return;
    const n = this.suppressed;
    this.suppressed = 0;
    this.write('warn', `suppressed ${n} message${n === 1 ? '' : 's'} (more than ${this.limit.burst} in ${this.limit.intervalMs} ms)`);
  }

  private armFlush(l: LogRateLimit): void {
    if (this.flushTimer !== undefined) return;
    const wait = Math.max(0, this.windowStart + l.intervalMs - this.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.reportSuppressed();
    }, wait);
    this.flushTimer.unref();
  }

  private write(level: LogLevel, msg: string): void {
    const text = msg.length > MAX_LOG_MESSAGE ? `${msg.slice(0, MAX_LOG_MESSAGE)}… [${msg.length} characters, cut]` : msg;
    const line = this.kmsg ? `<${KMSG_LEVEL[level]}>upstart: ${text}\n` : `upstart: ${text}\n`;
    if (this.sink !== undefined) {
      this.sink(line);
      return;
    }
    try {
      writeSync(this.fd, line);
    } catch {
      // A log that cannot be written must never take the daemon down.
    }
  }

  readonly debug = (msg: string): void => this.log('debug', msg);
  readonly info = (msg: string): void => this.log('info', msg);
  readonly message = (msg: string): void => this.log('message', msg);
  readonly warn = (msg: string): void => this.log('warn', msg);
  readonly error = (msg: string): void => this.log('error', msg);
}
