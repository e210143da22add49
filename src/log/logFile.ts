// LogFile: appends bytes to one log file without blocking; buffers (bounded) while it cannot, reopens after rotation.
import { constants } from 'node:fs';
import type { Clock, TimerHandle } from '../platform/clock.ts';
import { ByteQueue } from './byteQueue.ts';
import { closeQuietly, errorCode, fdatasyncQuietly, fchmodAsync, fstatAsync, openAsync, statOrNull, writevAsync } from './fsAsync.ts';
import type { DiagnosticLogger, OutputStats } from './port.ts';

export interface LogFileOptions {
  path: string;
  /** Most bytes kept in memory while the file cannot be written; past it the oldest are dropped. */
  bufferLimit: number;
  /** How often a file that could not be opened or written is tried again. */
  retryMs: number;
  /** Queued bytes (while writable) at which producers are asked to pause. */
  highWater: number;
  /** A write outstanding this long with producers paused counts as a stall: producers resume, the buffer bound applies. */
  stallMs: number;
  clock: Clock;
  logger?: DiagnosticLogger;
  /** Mode for a file this writer creates (umask is not applied). */
  mode?: number;
  /** Asked to stop (true) or resume (false) reading whatever feeds this file. */
  onPressure?: (pause: boolean) => void;
  /** Everything appended is written and the file is open and writable (see directTarget()). */
  onIdle?: () => void;
}

const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/**
 * While output floods in (a write finished less than FLOOD_MS ago), a batch smaller than
 * COALESCE_BYTES waits up to LINGER_STEPS × LINGER_MS for more: a pty hands over 4 KiB per read,
 * and one write per read costs the job about half its throughput on a small machine. A lone
 * line, a settle waiter (a process exited) or backpressure is written at once.
 */
const COALESCE_BYTES = 1024 * 1024;
const FLOOD_MS = 10;
const LINGER_MS = 2;
const LINGER_STEPS = 3;
const MAX_BATCH_CHUNKS = 1024;
const NEWLINE = 0x0a;

/**
 * Invariants: bytes reach the file in the order appended; at most one fs operation is in flight;
 * every appended byte is eventually counted once as written or dropped (or is still `buffered`).
 * `parked` means the last open or write failed: bytes wait in memory (at most bufferLimit) until
 * the retry timer, the next append after retryMs, or kick(). Nothing here throws to the caller.
 */
export class LogFile {
  readonly path: string;
  private readonly o: LogFileOptions;
  private readonly queue = new ByteQueue();
  private fd: number | null = null;
  private ident: { dev: number; ino: number } | null = null;
  private busy = false;
  private lingerSteps = 0;
  /** Reused while output floods in, let go when the queue drains (idle jobs hold no scratch). */
  private scratch: Buffer | null = null;
  private lastWriteAt = -Infinity;
  private inFlight = 0;
  private parked = false;
  private parkCode = '';
  private nextRetryAt = 0;
  private retryTimer: TimerHandle | null = null;
  private paused = false;
  private stalled = false;
  private stallTimer: TimerHandle | null = null;
  private closing = false;
  private closed = false;
  private syncOnClose = false;
  private closeWaiters: Array<() => void> = [];
  private holders = 0;
  private written = 0;
  private dropped = 0;
  private droppedSinceMarker = 0;
  private endsWithNewline = true;
  private seqIn = 0;
  private seqDone = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];

  constructor(opts: LogFileOptions) {
    this.o = opts;
    this.path = opts.path;
  }

  /** Queues bytes for the file. Never blocks, never throws. */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.closed) {
      this.dropped += chunk.length;
      this.seqIn += chunk.length;
      this.seqDone += chunk.length;
      return;
    }
    this.queue.push(chunk);
    this.seqIn += chunk.length;
    if (this.parked) {
      this.enforceBound();
      if (this.o.clock.now() >= this.nextRetryAt) this.retry();
    } else if (this.stalled) {
      this.enforceBound();
    } else if (!this.paused && this.queue.size >= this.o.highWater) {
      this.setPaused(true);
    }
    this.pump();
  }

  /**
   * Resolves once every byte appended before the call is written, dropped, or parked in memory
   * because the file cannot be written now (or a write has stalled).
   */
  settled(): Promise<void> {
    if (this.isSettled(this.seqIn)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq: this.seqIn, resolve }));
  }

  /**
   * For a re-exec: once what can be written is written (or `deadline`, performance.now() ms,
   * passed), removes and returns the bytes still queued (the disk cannot take them now); null if
   * an fs operation is still in flight at the deadline (handing over then could write a byte twice).
   */
  async takeQueued(deadline: number): Promise<Buffer | null> {
    await Promise.race([this.settled(), new Promise((r) => setTimeout(r, Math.max(0, deadline - performance.now())))]);
    while (this.busy && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    if (this.busy || this.inFlight > 0) return null;
    return this.takeQueuedNow();
  }

  /** Removes and returns the bytes queued now (not those of a write in flight). */
  takeQueuedNow(): Buffer {
    const b = Buffer.concat(this.queue.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    this.seqIn -= b.length;
    this.checkWaiters();
    return b;
  }

  /** The disk may be writable now (initctl notify-disk-writeable): retry at once. */
  kick(): void {
    if (this.parked) this.retry();
  }

  /** A producer starts (hold) or stops (release) feeding this file; the fd is closed when none is left and all is written. */
  hold(): void {
    this.holders++;
  }

  release(): void {
    this.holders = Math.max(0, this.holders - 1);
    this.pump();
  }

  get idle(): boolean {
    return this.holders === 0 && this.queue.empty && this.inFlight === 0 && !this.busy;
  }

  stats(): OutputStats {
    return { bytesWritten: this.written, bytesDropped: this.dropped, buffered: this.queue.size + this.inFlight };
  }

  /** Writes what can be written now, then closes the fd and stops retrying; bytes that cannot be written stay counted as buffered. */
  /** Writes what is queued, then closes; `sync`: fdatasync(2) the file before closing it (the journal, at shutdown). */
  close(opts: { sync?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (opts.sync) this.syncOnClose = true;
    this.closing = true;
    const p = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    this.pump();
    return p;
  }

  /**
   * The open fd and path when a producer may write to the file itself, bypassing the queue:
   * open, writable, nothing queued or being written, not closing. Null otherwise.
   */
  directTarget(): { fd: number; path: string } | null {
    if (this.fd === null || this.busy || this.parked || this.stalled || this.closing || this.closed) return null;
    if (!this.queue.empty || this.inFlight > 0) return null;
    return { fd: this.fd, path: this.path };
  }

  private isSettled(seq: number): boolean {
    return this.seqDone >= seq || this.parked || this.stalled || this.closed;
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.isSettled(w.seq)) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private pump(): void {
    this.checkWaiters();
    if (this.busy || this.closed) return;
    if (this.parked || this.queue.empty) {
      this.scratch = null;
      if (this.closing) void this.finishClose();
      else if (this.queue.empty && this.holders === 0 && this.fd !== null) void this.closeFd();
      else if (!this.parked && this.fd !== null) this.o.onIdle?.();
      return;
    }
    if (this.shouldLinger()) {
      this.lingerSteps++;
      this.busy = true;
      // Real time on purpose: this is throughput tuning, not behaviour a test clock should drive.
      setTimeout(() => {
        this.busy = false;
        this.pump();
      }, LINGER_MS);
      return;
    }
    this.lingerSteps = 0;
    this.busy = true;
    this.step()
      .catch((err: unknown) => this.park(err))
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  private shouldLinger(): boolean {
    return this.fd !== null && !this.closing && !this.paused && this.waiters.length === 0
      && this.queue.size < COALESCE_BYTES && this.lingerSteps < LINGER_STEPS
      && performance.now() - this.lastWriteAt < FLOOD_MS;
  }

  /** One fs round: open, or notice rotation, or write one batch. */
  private async step(): Promise<void> {
    if (this.fd === null) {
      await this.open();
      return;
    }
    const st = await statOrNull(this.path);
    if (st === null || this.ident === null || st.ino !== this.ident.ino || st.dev !== this.ident.dev) {
      this.o.logger?.info(`${this.path}: renamed or deleted, reopening`);
      await this.closeFd();
      return;
    }
    await this.writeBatch(this.fd);
  }

  private async open(): Promise<void> {
    const mode = this.o.mode ?? 0o640;
    const base = constants.O_WRONLY | constants.O_APPEND;
    let fd: number;
    try {
      fd = await openAsync(this.path, base | constants.O_CREAT | constants.O_EXCL, mode);
      try {
        await fchmodAsync(fd, mode);
      } catch {
        // The file exists and is ours to write; a mode we could not set is not worth losing output over.
      }
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
      fd = await openAsync(this.path, base, mode);
    }
    try {
      const st = await fstatAsync(fd);
      this.ident = { dev: st.dev, ino: st.ino };
      // A fresh file needs no newline before a marker; for a file with content, what we last wrote decides.
      if (st.size === 0) this.endsWithNewline = true;
    } catch (err) {
      await closeQuietly(fd);
      throw err;
    }
    this.fd = fd;
    if (this.parkCode !== '') {
      const lost = this.droppedSinceMarker > 0 ? `, ${this.droppedSinceMarker} bytes were dropped` : '';
      this.o.logger?.info(`${this.path}: writable again, writing ${this.queue.size} buffered bytes${lost}`);
      this.parkCode = '';
    }
  }

  private async writeBatch(fd: number): Promise<void> {
    const batch = this.queue.take(MAX_BATCH_BYTES, MAX_BATCH_CHUNKS);
    let batchBytes = 0;
    for (const b of batch) batchBytes += b.length;
    const markerCount = this.droppedSinceMarker;
    const marker = markerCount > 0 ? this.markerLine(markerCount) : null;
    const bufs = this.gather(marker ? [marker, ...batch] : batch);
    this.inFlight = batchBytes;
    let n: number;
    try {
      n = await writevAsync(fd, bufs);
    } catch (err) {
      this.inFlight = 0;
      this.queue.unshift(batch);
      await this.closeFd();
      throw err;
    }
    this.inFlight = 0;
    this.lastWriteAt = performance.now();
    if (marker) {
      if (n < marker.length) {
        this.queue.unshift(batch);
        return;
      }
      n -= marker.length;
      this.droppedSinceMarker -= markerCount;
      this.endsWithNewline = true;
    }
    const jobBytes = Math.min(n, batchBytes);
    this.written += jobBytes;
    this.seqDone += jobBytes;
    if (jobBytes > 0) {
      const last = this.lastByteAt(batch, jobBytes - 1);
      this.endsWithNewline = last === NEWLINE;
    }
    if (jobBytes < batchBytes) this.queue.unshift(this.tailAfter(batch, jobBytes));
    this.stalled = false;
    if (this.paused) {
      if (this.queue.size <= this.o.highWater / 2) this.setPaused(false);
      else this.armStallTimer();
    }
  }

  /**
   * Copies a batch of small chunks into one scratch buffer: one contiguous write costs the writer
   * thread and the kernel less than hundreds of 4 KiB iovecs, and the chunks die young.
   */
  private gather(bufs: Buffer[]): Buffer[] {
    if (bufs.length < 2) return bufs;
    let total = 0;
    for (const b of bufs) total += b.length;
    if (total > COALESCE_BYTES) return bufs;
    this.scratch ??= Buffer.allocUnsafe(COALESCE_BYTES);
    let off = 0;
    for (const b of bufs) off += b.copy(this.scratch, off);
    return [this.scratch.subarray(0, total)];
  }

  private markerLine(count: number): Buffer {
    const lead = this.endsWithNewline ? '' : '\n';
    return Buffer.from(
      `${lead}[upstart-ts: ${count} bytes of output dropped here: the log could not be written and the ${this.o.bufferLimit}-byte buffer was full]\n`,
    );
  }

  private lastByteAt(batch: Buffer[], index: number): number {
    let i = index;
    for (const b of batch) {
      if (i < b.length) return b[i]!;
      i -= b.length;
    }
    return NEWLINE;
  }

  private tailAfter(batch: Buffer[], skip: number): Buffer[] {
    const out: Buffer[] = [];
    let s = skip;
    for (const b of batch) {
      if (s >= b.length) {
        s -= b.length;
        continue;
      }
      out.push(s > 0 ? b.subarray(s) : b);
      s = 0;
    }
    return out;
  }

  /** The file could not be opened or written: keep bytes in memory (bounded) and try again later. */
  private park(err: unknown): void {
    const code = errorCode(err);
    if (!this.parked && this.parkCode !== code) {
      this.o.logger?.warn(
        `${this.path}: cannot write (${code}); keeping up to ${this.o.bufferLimit} bytes of output in memory, retrying every ${this.o.retryMs} ms`,
      );
    }
    this.parked = true;
    this.parkCode = code;
    this.nextRetryAt = this.o.clock.now() + this.o.retryMs;
    this.enforceBound();
    if (this.paused) this.setPaused(false);
    this.retryTimer?.cancel();
    this.retryTimer = this.closing ? null : this.o.clock.setTimer(this.o.retryMs, () => {
      this.retryTimer = null;
      this.retry();
    });
    this.checkWaiters();
  }

  private retry(): void {
    this.retryTimer?.cancel();
    this.retryTimer = null;
    if (!this.parked) return;
    if (this.queue.empty) {
      // Nothing to write: try again when something arrives.
      this.nextRetryAt = 0;
      return;
    }
    this.parked = false;
    this.pump();
  }

  /** Sheds the oldest bytes beyond bufferLimit (only while the file cannot take them). */
  private enforceBound(): void {
    const over = this.queue.size - this.o.bufferLimit;
    if (over <= 0) return;
    const n = this.queue.dropOldest(over);
    if (this.dropped === 0 || this.droppedSinceMarker === 0) {
      this.o.logger?.warn(`${this.path}: output buffer full (${this.o.bufferLimit} bytes), dropping the oldest output`);
    }
    this.dropped += n;
    this.droppedSinceMarker += n;
    this.seqDone += n;
  }

  private setPaused(pause: boolean): void {
    this.paused = pause;
    if (pause) this.armStallTimer();
    else {
      this.stallTimer?.cancel();
      this.stallTimer = null;
    }
    this.o.onPressure?.(pause);
  }

  private armStallTimer(): void {
    this.stallTimer?.cancel();
    this.stallTimer = this.o.clock.setTimer(this.o.stallMs, () => {
      this.stallTimer = null;
      if (!this.paused) return;
      this.o.logger?.warn(`${this.path}: a write has not finished in ${this.o.stallMs} ms; reading on, keeping at most ${this.o.bufferLimit} bytes`);
      this.stalled = true;
      this.setPaused(false);
      this.enforceBound();
      this.checkWaiters();
    });
  }

  private async closeFd(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    this.ident = null;
    if (fd !== null) await closeQuietly(fd);
  }

  private async finishClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.retryTimer?.cancel();
    this.retryTimer = null;
    this.stallTimer?.cancel();
    this.stallTimer = null;
    if (this.syncOnClose && this.fd !== null) await fdatasyncQuietly(this.fd);
    await this.closeFd();
    this.checkWaiters();
    for (const w of this.closeWaiters.splice(0)) w();
  }
}
