// sd_notify(3) to whoever started this daemon: READY=1 once it answers, STOPPING=1 as it shuts down (systemd Type=notify, `expect ready`).
import type { LogFn } from '../model/log.ts';

/**
 * What a supervisor hands the daemon itself (sd_notify, socket activation, its watchdog): never
 * passed on to jobs, which would otherwise speak for the daemon (a job's READY=1 would be taken as
 * the daemon's).
 */
export const SUPERVISOR_VARS: ReadonlySet<string> = new Set(['NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', 'WATCHDOG_USEC', 'WATCHDOG_PID']);

export class SupervisorNotify {
  private socket: string | undefined;

  constructor(
    /** $NOTIFY_SOCKET as the daemon was started: a path, or @NAME for an abstract name. */
    socket: string | undefined,
    private readonly send: (path: string, data: Buffer) => void,
    private readonly log: LogFn,
  ) {
    this.socket = socket === '' ? undefined : socket;
  }

  /** The daemon answers on its socket: a supervisor waiting for it may go on. */
  ready(status: string): void {
    this.tell(`READY=1\nSTATUS=${status}`);
  }

  /** The daemon is stopping its jobs and will exit. */
  stopping(status: string): void {
    this.tell(`STOPPING=1\nSTATUS=${status}`);
  }

  private tell(message: string): void {
    if (this.socket === undefined) return;
    try {
      this.send(this.socket, Buffer.from(message));
    } catch (err) {
      // Said once: a supervisor that went away does not come back.
      this.log('warn', `cannot notify ${this.socket} (NOTIFY_SOCKET): ${(err as Error).message}; not trying again`);
      this.socket = undefined;
    }
  }
}
