// Clock and timer port: real time in the daemon, fake time in unit tests.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock milliseconds since the epoch (for journals and status). */
  wallNow(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Runs fn after the current work, before timers (one drain per tick). */
  defer(fn: () => void): void;
}

/** The two times every journal entry carries: monotonic `t` and wall-clock `wall`, both in ms. */
export function stamp(c: Clock): { t: number; wall: number } {
  return { t: c.now(), wall: c.wallNow() };
}

/** What realClock adds to performance.now() (0 but after a re-exec). */
let base = 0;

/**
 * After a re-exec: realClock goes on from the old image's clock (`nowThere` is its time for this
 * instant), so a journal entry keeps its `t` and a deadline its value across the exec, and the
 * times `initctl events` shows do not jump back to 0.
 */
export function continueClock(nowThere: number): void {
  base = nowThere - performance.now();
}

export const realClock: Clock = {
  now: () => performance.now() + base,
  wallNow: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  defer: (fn) => setImmediate(fn),
};
