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

export const realClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  defer: (fn) => setImmediate(fn),
};
