// The daemon's own log: levelled messages to stderr, or to /dev/kmsg when running as PID 1.
import { openSync, writeSync } from 'node:fs';

/** initctl log-priority names, most verbose first (as Upstart's). */
export const LOG_PRIORITIES = ['debug', 'info', 'message', 'warn', 'error', 'fatal'] as const;
export type LogPriority = (typeof LOG_PRIORITIES)[number];

export type LogLevel = 'debug' | 'info' | 'message' | 'warn' | 'error';

const RANK: Record<LogPriority, number> = { debug: 0, info: 1, message: 2, warn: 3, error: 4, fatal: 5 };
/** syslog levels for /dev/kmsg lines. */
const KMSG_LEVEL: Record<LogLevel, number> = { debug: 7, info: 6, message: 5, warn: 4, error: 3 };

export class DaemonLog {
  private priority: LogPriority;
  private fd: number;
  private readonly kmsg: boolean;

  constructor(opts: { priority: LogPriority; kmsg?: boolean }) {
    this.priority = opts.priority;
    this.kmsg = false;
    this.fd = 2;
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
    const line = this.kmsg ? `<${KMSG_LEVEL[level]}>upstart: ${msg}\n` : `upstart: ${msg}\n`;
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
