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

export const realClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  defer: (fn) => setImmediate(fn),
};
