// Exits reported to the engine only once the process's output is in the log (or a deadline passed), and those held for a re-exec.
import type { ExitInfo, ProcessEvents } from './port.ts';
import type { LogFn } from '../model/log.ts';

/**
 * Invariants: an exit is reported once; one reaped before the engine registered (a re-exec's
 * first drain) waits in `held` until setEvents; one waiting for its output is in `reporting`,
 * which a re-exec carries (wire()) and the new image reports first (restore()).
 */
export class ExitReports {
  private events: ProcessEvents | undefined;
  private held: ExitInfo[] = [];
  /** Reports waiting for their output (whether or not a re-exec's hand-over took them since). */
  private waiting = 0;
  /** Exits waiting for their output to reach the log: a re-exec carries them. */
  private readonly reporting = new Set<ExitInfo>();

  constructor(
    private readonly flushDeadlineMs: number,
    private readonly log: LogFn,
    /** Told when the count of outstanding reports went down (the reaper may stop holding the loop). */
    private readonly settled: () => void,
  ) {}

  /** The engine's callbacks; exits held until now are delivered in a microtask. */
  setEvents(events: ProcessEvents): void {
    this.events = events;
    const held = this.held;
    this.held = [];
    if (held.length > 0) queueMicrotask(() => { for (const info of held) events.exited(info); });
  }

  /** Reports waiting for output. */
  get outstanding(): number {
    return this.waiting;
  }

  /** Reports an exit once OUTPUT settled (the pty reached EOF in the sink) or the flush deadline passed. */
  report(info: ExitInfo, output: Promise<void> | undefined): void {
    if (!output) {
      if (this.events) this.events.exited(info);
      else this.held.push(info);
      return;
    }
    this.waiting += 1;
    this.reporting.add(info);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), this.flushDeadlineMs); });
    void Promise.race([output.then(() => 'flushed' as const), deadline]).then((how) => {
      clearTimeout(timer);
      this.waiting -= 1;
      if (!this.reporting.delete(info)) return; // handed over to a re-exec that did not happen, and reported since
      if (how === 'late') this.log('debug', `process ${info.pid}: output still open ${this.flushDeadlineMs} ms after exit; reporting the exit anyway`);
      this.settled();
      this.events?.exited(info);
    });
  }

  /** The exits still waiting for their output, for the re-exec state. */
  wire(): ExitInfo[] {
    return [...this.reporting];
  }

  /** Exits the old image reaped (their output is in the log by now): reported first. */
  restore(exited: readonly ExitInfo[]): void {
    this.held.push(...exited);
  }
}
