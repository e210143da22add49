// PumpReader: reads a pty master on the native pump thread (native/src/logpump*.c), writing straight to the log while it may.
import { closeSync } from 'node:fs';
import { errnoCode } from '../sys/syscallError.ts';
import type { PumpHandle, PumpEvent } from '../sys/index.ts';
import { FdReader, type FdReaderHandlers } from './fdReader.ts';

type Native = typeof import('../sys/index.ts');

let native: Native | null = null;
try {
  native = await import('../sys/index.ts');
} catch {
  // No addon (not built): readers fall back to FdReader.
}

/** Whether the native pump can be used in this process. */
export const pumpAvailable = (): boolean => native !== null;

/** isatty(3) through the addon (false without it): whether fd is a pty the native pump can read. */
export const pumpIsatty = (fd: number): boolean => native !== null && native.isatty(fd);

export interface PumpReaderHandlers extends FdReaderHandlers {
  /** Direct writing stopped: 'ROTATED' (the file was renamed or deleted) or the failed write's errno code. */
  directEnded?(code: string): void;
  /** The thread writes directly again after a quiet spell: a write may hang from now on. */
  active?(): void;
}

/**
 * Owns the master fd like FdReader and delivers the same handler calls, but reads on a native
 * thread: bytes are relayed to `data` in large batches (one call per batch, not per 4 KiB read)
 * until setFile() hands it the open log fd; from then the thread writes them itself (counted by
 * directWritten()), checking before each write that the path still names that file. Rotation or
 * a failed write hands the unwritten bytes back through `data` and relaying resumes. abandon()
 * (a direct write hung) switches to an FdReader on the event loop for the rest of the output.
 */
export class PumpReader {
  private readonly h: PumpReaderHandlers;
  private readonly fd: number;
  private handle: PumpHandle | null;
  private fallback: FdReader | null = null;
  private paused = false;
  private done = false;
  private writtenTotal = 0;
  private direct = false;

  constructor(fd: number, handlers: PumpReaderHandlers) {
    if (native === null) throw new Error('the native log pump is not available');
    this.fd = fd;
    this.h = handlers;
    this.handle = native.pumpStart(fd, (ev) => this.onEvent(ev));
  }

  /** Writing straight to a log file now. */
  get isDirect(): boolean {
    return this.direct && this.handle !== null;
  }

  /** Bytes this reader's thread wrote to the log itself (the rest went through `data`). */
  directWritten(): number {
    if (this.handle !== null && !this.done) this.writtenTotal = Math.max(this.writtenTotal, native!.pumpStatus(this.handle).written);
    return this.writtenTotal;
  }

  /** How long the thread's current write (or the stat before it) has taken, 0 if none. */
  busyMs(): number {
    return this.handle !== null && !this.done ? native!.pumpStatus(this.handle).busyMs : 0;
  }

  /** Write straight to `fd` (the log file open on `path`) from now on; relayed bytes not yet delivered go first. */
  setFile(fd: number, path: string): void {
    if (this.handle === null || this.done) return;
    native!.pumpSetFile(this.handle, fd, path);
    this.direct = true;
  }

  pause(): void {
    this.paused = true;
    if (this.fallback) this.fallback.pause();
    else if (this.handle !== null && !this.done) native!.pumpPause(this.handle, true);
  }

  resume(): void {
    this.paused = false;
    if (this.fallback) this.fallback.resume();
    else if (this.handle !== null && !this.done) native!.pumpPause(this.handle, false);
  }

  /** The pty master this reader owns. */
  get master(): number {
    return this.fd;
  }

  /** For a re-exec, first of two steps: asks the thread to stop reading (handOver() then waits for it). */
  signalStop(): void {
    if (this.handle !== null && !this.done && !this.fallback) native!.pumpAbandon(this.handle);
  }

  /**
   * For a re-exec: reading stops for good without closing the master or calling `end`; returns
   * the bytes read but not yet delivered, or false if the thread could not be stopped in time.
   */
  handOver(timeoutMs: number): Buffer | false {
    if (this.done) return Buffer.alloc(0);
    this.done = true;
    if (this.fallback) return this.fallback.handOver();
    if (this.handle === null) return Buffer.alloc(0);
    const left = native!.pumpStop(this.handle, timeoutMs);
    this.handle = null;
    return left === false ? false : (left ?? Buffer.alloc(0));
  }

  /** The thread is stuck (a hung disk): it reads no more; the event loop reads the rest. */
  abandon(): void {
    if (this.handle === null || this.done || this.fallback) return;
    this.writtenTotal = this.directWritten();
    native!.pumpAbandon(this.handle);
    this.handle = null;
    this.direct = false;
    this.startFallback();
  }

  private startFallback(): void {
    this.fallback = new FdReader(this.fd, {
      data: (chunk) => this.h.data(chunk),
      end: (error) => this.finish(error, false),
    });
    if (this.paused) this.fallback.pause();
  }

  private onEvent(ev: PumpEvent): void {
    if (this.done || this.handle === null) return;
    this.writtenTotal = Math.max(this.writtenTotal, ev.written);
    if (ev.active === true) this.h.active?.();
    if (ev.data !== undefined && ev.data.length > 0) this.h.data(ev.data);
    if (ev.directEnded !== undefined) {
      this.direct = false;
      this.h.directEnded?.(ev.directEnded === -1 ? 'ROTATED' : errnoCode(ev.directEnded));
    }
    if (ev.end === undefined) return;
    this.handle = null;
    this.direct = false;
    if (!ev.end) {
      // The thread never ran (or was abandoned before it started): read on the event loop instead.
      this.startFallback();
      return;
    }
    const error = ev.endErrno ? { code: errnoCode(ev.endErrno), message: `reading the pty failed (${errnoCode(ev.endErrno)})` } : undefined;
    this.finish(error, true);
  }

  private finish(error: { code: string; message: string } | undefined, closeFd: boolean): void {
    if (this.done) return;
    this.done = true;
    if (closeFd) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.h.end(error);
  }
}
