// The log pump (native/src/logpump*.c): one native thread reads every pty master and relays or writes each straight to its log fd.
import { addon, fail, fd } from './addon.ts';

/** One pty master's log pump (served by the shared pump thread); opaque to JS. */
export interface PumpHandle {
  readonly __pump: unique symbol;
}

/** What a log pump reports on the event loop, several facts at once. */
export interface PumpEvent {
  /** Bytes read from the master and relayed (not written directly), in order. */
  data?: Buffer;
  /** Direct writing stopped: -1 the file was renamed or deleted, else the errno of the failed write. */
  directEnded?: number;
  /** Present once the thread has finished: true at end of file (or a read error, see endErrno); false when abandoned or it never ran. */
  end?: boolean;
  endErrno?: number;
  /** Bytes written directly so far (a running total). */
  written: number;
  /** The thread started a direct write after a quiet spell (at least 500 ms without one). */
  active?: boolean;
}

export interface PumpStatus {
  written: number;
  /** Writing straight to a log fd now. */
  direct: boolean;
  /** How long the stat/write in progress has taken, 0 if none. */
  busyMs: number;
}

function handle(h: PumpHandle): PumpHandle {
  return typeof h === 'object' && h !== null ? h : fail('not a pump handle');
}

/**
 * Starts a pump on `master` (non-blocking; the caller keeps and closes it). Bytes are relayed to
 * `cb` until pumpSetFile gives it a log fd to write straight to (a dup is kept while the path
 * still names that file); `cb` also hears when direct writing stops and, last, when the thread
 * ends. pumpAbandon: the thread reads no more once it returns.
 */
export function pumpStart(master: number, cb: (ev: PumpEvent) => void): PumpHandle {
  return addon.pumpStart(fd(master, 'master'), cb);
}
export function pumpSetFile(h: PumpHandle, f: number, path: string): void {
  if (typeof path !== 'string' || path === '') fail('path must be a non-empty string');
  addon.pumpSetFile(handle(h), fd(f), path);
}
export const pumpClearFile = (h: PumpHandle): void => addon.pumpClearFile(handle(h));
export const pumpPause = (h: PumpHandle, on: boolean): void => addon.pumpPause(handle(h), on);
export const pumpAbandon = (h: PumpHandle): void => addon.pumpAbandon(handle(h));
export const pumpStatus = (h: PumpHandle): PumpStatus => addon.pumpStatus(handle(h));
/**
 * For a re-exec: the thread stops reading and ends (after any write in progress); returns the bytes it read but had not
 * handed over (null: none), or false if it did not end within timeoutMs. The master stays open.
 */
export function pumpStop(h: PumpHandle, timeoutMs: number): Buffer | null | false {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) fail('timeoutMs must be a non-negative number');
  return addon.pumpStop(handle(h), timeoutMs);
}
