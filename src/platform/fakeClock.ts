// A fake Clock for unit tests: time moves only when the test calls advance(); deferred work runs on drain().
import type { Clock, TimerHandle } from './clock.ts';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Pending[] = [];
  private deferred: Array<() => void> = [];

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return 1_700_000_000_000 + this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(p);
    return { cancel: () => { p.live = false; } };
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Runs deferred work until none is left. */
  drain(): void {
    let guard = 0;
    while (this.deferred.length > 0) {
      if (++guard > 1_000_000) throw new Error('FakeClock.drain: deferred work never settles');
      const fn = this.deferred.shift()!;
      fn();
    }
  }

  /** Moves time forward by ms, firing due timers in order and draining after each. */
  advance(ms: number): void {
    const end = this.t + ms;
    this.drain();
    for (;;) {
      const due = this.timers
        .filter((p) => p.live && p.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.t = due.at;
      due.live = false;
      due.fn();
      this.drain();
    }
    this.timers = this.timers.filter((p) => p.live);
    this.t = end;
  }
}
