// A bridge's link to init: follows the job list (watch-config) and, if asked, the journal (subscribe) without polling, and connects again after a re-exec or a restart.
import { connect as connectControl, ControlError, type ControlClient } from '../control/client.ts';
import type { ConfigSummary } from '../control/protocol.ts';
import type { InstanceStatus, JournalEntry } from '../model/engineApi.ts';

export interface DaemonLinkOptions {
  /** The control socket (a path, or `\0name`). */
  path: string;
  /** The job list: at each connection, then after each change of the job classes. */
  onConfig(summaries: ConfigSummary[]): void;
  /** Every journal entry (subscribe), and the instances at each connection (list), for a bridge that follows jobs' states. */
  follow?: { onEntry(entry: JournalEntry): void; onInstances(list: InstanceStatus[]): void };
  /** The connection is gone (a re-exec, a restart, a stop): what the bridge sends now is lost until it is back. */
  onLost?(): void;
  /** The connection is back (after onLost; the streams are running again). */
  onReconnected?(): void;
  /** How long to keep trying to connect again before giving up (ms; default 60 s). */
  giveUpMs?: number;
  /**
   * Run as a job (UPSTART_JOB, UPSTART_INSTANCE): at the first connection the journal is read once
   * for how the job's previous main process (a bridge before this one) ended, and a warning says
   * that what came while no bridge ran (`lost`: e.g. "file events") is lost.
   */
  job?: { name: string; instance: string; lost: string };
  /** How a connection is made (the product: the control client's connect). */
  connect?: (path: string) => Promise<ControlClient>;
  log(level: 'debug' | 'info' | 'warn', msg: string): void;
}

/** The `job` option when this process runs as a job of init (UPSTART_JOB set), else nothing. */
export function asJob(lost: string, env: NodeJS.ProcessEnv = process.env): { job?: { name: string; instance: string; lost: string } } {
  const name = env.UPSTART_JOB;
  return name === undefined || name === '' ? {} : { job: { name, instance: env.UPSTART_INSTANCE ?? '', lost } };
}

/** The first wait before connecting again, and the longest (it doubles in between). */
const RETRY_FIRST_MS = 20;
const RETRY_MAX_MS = 1000;

/**
 * Invariants: at most one connection; while connected, both streams run on it and nothing else is
 * asked of init unless the bridge emits (no timer touches init); once the connection is gone it is
 * made again, with a growing wait, until giveUpMs have passed without one (then `ended` resolves).
 */
export class DaemonLink {
  private client: ControlClient | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private endResolve!: (why: string) => void;
  /** Resolves (with why) when the link gave up on init, never when close() was called. */
  readonly ended = new Promise<string>((r) => { this.endResolve = r; });
  /** Connections made so far (the first one included). */
  connections = 0;

  constructor(private readonly o: DaemonLinkOptions) {}

  get connected(): boolean {
    return this.client !== undefined && !this.client.isClosed;
  }

  /** The first connection: rejects when init cannot be reached now (the caller says so and exits). */
  async start(): Promise<void> {
    await this.open();
  }

  /** Emits through init; rejects (code `closed`) while there is no connection. */
  emit(name: string, env: string[], o: { wait: boolean }): Promise<void> {
    const c = this.client;
    if (c === undefined || c.isClosed) return Promise.reject(new ControlError('closed', 'not connected to init'));
    return c.emit(name, env, o);
  }

  private async open(): Promise<void> {
    const c = await (this.o.connect ?? connectControl)(this.o.path);
    if (this.closed) {
      c.close();
      return;
    }
    this.client = c;
    this.connections++;
    c.onClose((err) => this.lost(c, err));
    // The journal first, then the instances, then the job list: no state change falls between them.
    if (this.o.follow !== undefined) {
      const f = this.o.follow;
      c.subscribe((e) => f.onEntry(e));
      try {
        f.onInstances(await c.list());
      } catch (err) {
        if (c.isClosed) return;
        throw err;
      }
    }
    c.watchConfig((s) => this.o.onConfig(s));
    if (this.connections === 1 && this.o.job !== undefined) void this.reportPrevious(c, this.o.job);
  }

  /** One look at the journal: the last end of this job's main process before ours (not our own pid). */
  private async reportPrevious(c: ControlClient, job: { name: string; instance: string; lost: string }): Promise<void> {
    let entries: JournalEntry[];
    try {
      entries = await c.journal();
    } catch {
      return; // not allowed to read the journal (another user's init), or gone: nothing to say
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.kind !== 'exit' || e.job !== job.name || e.instance !== job.instance || e.process !== 'main' || e.pid === process.pid) continue;
      const how = e.signal !== undefined ? `was killed by ${e.signal}` : `exited with status ${e.status ?? '?'}`;
      const ago = Math.max(0, (Date.now() - e.wall) / 1000);
      this.o.log('warn', `the bridge before this one (pid ${e.pid}) ${how} ${ago.toFixed(1)} s ago: ${job.lost} while no bridge ran are lost`);
      return;
    }
  }

  private lost(c: ControlClient, err: ControlError): void {
    if (this.client !== c || this.closed) return;
    this.client = undefined;
    this.o.log('info', `the connection to init ended (${err.message}): connecting again`);
    this.o.onLost?.();
    const since = performance.now();
    let wait = RETRY_FIRST_MS;
    const attempt = (): void => {
      this.retry = undefined;
      if (this.closed) return;
      this.open().then(
        () => {
          if (this.closed || !this.connected) return;
          this.o.log('info', `connected to init again after ${(performance.now() - since).toFixed(0)} ms`);
          this.o.onReconnected?.();
        },
        (e: Error) => {
          if (this.closed) return;
          const giveUp = this.o.giveUpMs ?? 60_000;
          if (performance.now() - since >= giveUp) {
            this.endResolve(`init did not come back within ${Math.round(giveUp / 1000)} s: ${e.message}`);
            return;
          }
          wait = Math.min(wait * 2, RETRY_MAX_MS);
          this.retry = setTimeout(attempt, wait);
        },
      );
    };
    this.retry = setTimeout(attempt, wait);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.client?.close();
    this.client = undefined;
  }
}
