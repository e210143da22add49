// The `watchdog SECONDS` supervision (systemd's WatchdogSec): a main process that stops sending WATCHDOG=1 is killed, so respawn brings it back.
import { instanceKey, instanceLabel } from '../model/instanceRef.ts';
import type { Clock, TimerHandle } from '../platform/clock.ts';

export interface WatchdogHost {
  clock: Clock;
  /** Signals one process (ABRT first, KILL once the kill timeout has passed). */
  kill(pid: number, signal: 'ABRT' | 'KILL'): void;
  /** Seconds between ABRT and KILL for this job (its `kill timeout`). */
  killTimeout(job: string): number;
  log(level: 'info' | 'warn', msg: string): void;
}

/** What `initctl status --json` shows of an instance's watchdog. */
export interface WatchdogStatus {
  /** The interval now in force, in microseconds (WATCHDOG_USEC= may change it). */
  usec: number;
  /** How many times the watchdog has fired for this instance. */
  timeouts: number;
  /** Why it last fired, with when (wall-clock ms). */
  last?: { reason: string; at: number };
}

interface Armed {
  job: string;
  instance: string;
  pid: number;
  usec: number;
  timer: TimerHandle;
  killTimer?: TimerHandle;
}

/**
 * Invariants: at most one armed watch per instance, on its current main pid; a ping re-arms the
 * full interval; the watch is dropped when that pid exits (the kill timer with it). The history
 * (timeouts, last reason) outlives the process, so status shows why a respawned job was killed.
 */
export class Watchdog {
  private readonly armed = new Map<string, Armed>();
  private readonly byPid = new Map<number, string>();
  private readonly history = new Map<string, { timeouts: number; last?: { reason: string; at: number } }>();

  constructor(private readonly host: WatchdogHost) {}

  /** A main process with `watchdog` started (or became the one tracked, for expect fork/daemon). */
  arm(job: string, instance: string, pid: number, usec: number): void {
    const key = instanceKey(job, instance);
    this.disarmKey(key);
    const a: Armed = { job, instance, pid, usec, timer: this.timer(key, usec) };
    this.armed.set(key, a);
    this.byPid.set(pid, key);
  }

  /** The process layer now tracks `to` instead of `from` (expect fork/daemon, MAINPID=). */
  moved(from: number, to: number): void {
    const key = this.byPid.get(from);
    if (key === undefined || from === to) return;
    const a = this.armed.get(key)!;
    this.byPid.delete(from);
    a.pid = to;
    this.byPid.set(to, key);
  }

  /** WATCHDOG=1: the interval starts again. False when the instance has no watchdog armed. */
  ping(job: string, instance: string): boolean {
    const a = this.armed.get(instanceKey(job, instance));
    if (a === undefined || a.killTimer !== undefined) return false;
    a.timer.cancel();
    a.timer = this.timer(instanceKey(job, instance), a.usec);
    return true;
  }

  /** WATCHDOG_USEC=N: a new interval, from now. */
  setInterval(job: string, instance: string, usec: number): boolean {
    const a = this.armed.get(instanceKey(job, instance));
    if (a === undefined || a.killTimer !== undefined || !(usec > 0)) return false;
    a.usec = usec;
    return this.ping(job, instance);
  }

  /** WATCHDOG=trigger: fire now, as a missed ping would. */
  trigger(job: string, instance: string): boolean {
    const key = instanceKey(job, instance);
    if (!this.armed.has(key)) return false;
    this.fire(key, 'the process asked for it (WATCHDOG=trigger)');
    return true;
  }

  /** A tracked process ended: its watch goes. */
  exited(pid: number): void {
    const key = this.byPid.get(pid);
    if (key !== undefined) this.disarmKey(key);
  }

  status(job: string, instance: string): WatchdogStatus | undefined {
    const key = instanceKey(job, instance);
    const a = this.armed.get(key);
    const h = this.history.get(key);
    if (a === undefined && h === undefined) return undefined;
    return { usec: a?.usec ?? 0, timeouts: h?.timeouts ?? 0, ...(h?.last ? { last: h.last } : {}) };
  }

  /** The instance is gone: its history too. */
  forget(job: string, instance: string): void {
    const key = instanceKey(job, instance);
    this.disarmKey(key);
    this.history.delete(key);
  }

  close(): void {
    for (const key of [...this.armed.keys()]) this.disarmKey(key);
  }

  private timer(key: string, usec: number): TimerHandle {
    return this.host.clock.setTimer(Math.max(1, Math.round(usec / 1000)), () => {
      const a = this.armed.get(key);
      if (a !== undefined) this.fire(key, `no WATCHDOG=1 for ${formatUsec(a.usec)}`);
    });
  }

  private fire(key: string, why: string): void {
    const a = this.armed.get(key);
    if (a === undefined || a.killTimer !== undefined) return;
    a.timer.cancel();
    const reason = `watchdog: ${why}: main process ${a.pid} killed with ABRT`;
    const h = this.history.get(key) ?? { timeouts: 0 };
    h.timeouts++;
    h.last = { reason, at: this.host.clock.wallNow() };
    this.history.set(key, h);
    this.host.log('warn', `${instanceLabel(a.job, a.instance)} ${reason}`);
    this.host.kill(a.pid, 'ABRT');
    const secs = this.host.killTimeout(a.job);
    a.killTimer = this.host.clock.setTimer(Math.max(1, secs * 1000), () => {
      if (this.armed.get(key) !== a) return;
      this.host.log('warn', `${instanceLabel(a.job, a.instance)} watchdog: main process ${a.pid} still there ${secs} s after ABRT: killed with KILL`);
      this.host.kill(a.pid, 'KILL');
    });
  }

  private disarmKey(key: string): void {
    const a = this.armed.get(key);
    if (a === undefined) return;
    a.timer.cancel();
    a.killTimer?.cancel();
    this.armed.delete(key);
    this.byPid.delete(a.pid);
  }
}

function formatUsec(usec: number): string {
  const s = usec / 1e6;
  return `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')} s`;
}
