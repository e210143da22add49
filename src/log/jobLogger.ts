// JobLogger: `console log` — copies each job process's pty output to LOGDIR/JOB[-INSTANCE].log without blocking.
import { join } from 'node:path';
import { realClock, type Clock } from '../platform/clock.ts';
import { FdReader } from './fdReader.ts';
import { pumpAvailable, pumpIsatty, PumpReader } from './pumpReader.ts';
import { LogFile } from './logFile.ts';
import { logName } from '../model/instanceRef.ts';
import type { OutputTap } from './linePrefix.ts';
import type { LogsWire } from './loggerState.ts';
import type { DiagnosticLogger, OutputSink, OutputSource, OutputStats } from './port.ts';

export interface JobLoggerOptions {
  /** The log directory (--logdir); it need not exist or be writable yet. */
  logDir: string;
  /** Most bytes kept in memory per job while its log cannot be written (default 1 MiB). */
  bufferLimit?: number;
  /** Retry interval for a log that could not be opened or written (default 1000 ms). */
  retryMs?: number;
  /** Bytes queued for a writable log at which reading the job's pty pauses (default 4 MiB). */
  highWater?: number;
  /** A write that has not finished this long stops holding back the job (default 5000 ms). */
  stallMs?: number;
  clock?: Clock;
  logger?: DiagnosticLogger;
  /**
   * Read ptys on the native pump thread, which writes straight to the log while it is open and writable
   * (default true where the addon is loaded); false reads every fd on the event loop.
   */
  nativePump?: boolean;
  /**
   * Also hands every chunk read to a tap made for each reader (a container's init copies job
   * output to its stdout); with a tap, ptys are read on the event loop (a native pump writes to
   * the file without the daemon seeing the bytes).
   */
  tap?: (source: OutputSource) => OutputTap;
}

export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;
export const DEFAULT_RETRY_MS = 1000;
export const DEFAULT_HIGH_WATER = 4 * 1024 * 1024;
export const DEFAULT_STALL_MS = 5000;

interface Entry {
  source: OutputSource;
  file: LogFile;
  readers: Set<FdReader | PumpReader>;
  paused: boolean;
  /** Bytes the pumps of finished readers wrote themselves. */
  directDone: number;
}

/** How often direct-writing pumps are checked for a write that hangs. */
const STALL_CHECK_MS = 1000;

const ZERO: OutputStats = { bytesWritten: 0, bytesDropped: 0, buffered: 0 };

/**
 * One LogFile per log file name, shared by every process of that job instance (main, pre-start,
 * …), kept while anything reads into it or holds bytes for it, and for its counters afterwards.
 */
export class JobLogger implements OutputSink {
  readonly logDir: string;
  /** logDir/, normalized once: a logName is one path component (path.join per attach was 2% of a 500-task burst). */
  private readonly logPrefix: string;
  private readonly clock: Clock;
  private readonly logger: DiagnosticLogger | undefined;
  private readonly bufferLimit: number;
  private readonly retryMs: number;
  private readonly highWater: number;
  private readonly stallMs: number;
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  private readonly nativePump: boolean;
  private readonly tap: ((source: OutputSource) => OutputTap) | undefined;
  private stallCheck: ReturnType<typeof setInterval> | null = null;
  /** During a hand-over: each entry's stopped masters and the bytes taken from its file. */
  private readonly handing = new Map<Entry, { masters: number[]; pending: Buffer[] }>();

  constructor(opts: JobLoggerOptions) {
    this.logDir = opts.logDir;
    this.logPrefix = join(opts.logDir, '/');
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger;
    this.bufferLimit = opts.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
    this.retryMs = opts.retryMs ?? DEFAULT_RETRY_MS;
    this.highWater = opts.highWater ?? DEFAULT_HIGH_WATER;
    this.stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
    this.tap = opts.tap;
    this.nativePump = (opts.nativePump ?? true) && opts.tap === undefined && pumpAvailable();
  }

  /** LOGDIR/JOB.log or LOGDIR/JOB-INSTANCE.log, '/' escaped. */
  logPath(job: string, instance: string): string {
    return this.logPrefix + logName(job, instance);
  }

  attach(source: OutputSource, fd: number): Promise<void> {
    const entry = this.entryFor(source);
    entry.file.hold();
    const tap = this.tap?.(source);
    return new Promise<void>((resolve) => {
      const handlers = {
        data: (chunk: Buffer) => {
          tap?.data(chunk);
          entry.file.append(chunk);
        },
        active: () => this.armStallCheck(),
        directEnded: (code: string) => {
          if (code !== 'ROTATED') this.logger?.info(`${entry.file.path}: direct write failed (${code}); writing through the buffer`);
        },
        end: (error?: { code: string; message: string }) => {
          tap?.end();
          entry.readers.delete(reader);
          if (reader instanceof PumpReader) entry.directDone += reader.directWritten();
          if (error) {
            this.logger?.warn(`${this.logPath(source.job, source.instance)}: reading job output failed (${error.code}): ${error.message}`);
          }
          void entry.file.settled().then(() => {
            entry.file.release();
            resolve();
          });
        },
      };
      const reader = this.nativePump && pumpIsatty(fd) ? new PumpReader(fd, handlers) : new FdReader(fd, handlers);
      entry.readers.add(reader);
      if (entry.paused) reader.pause();
    });
  }

  /** Gives every pump of the entry the open log fd, once the file has nothing queued. */
  private goDirect(entry: Entry): void {
    if (this.closed) return;
    const target = entry.file.directTarget();
    if (target === null) return;
    for (const r of entry.readers) {
      if (r instanceof PumpReader && !r.isDirect) r.setFile(target.fd, target.path);
    }
  }

  /**
   * A pump stuck in a write (a hung filesystem) would hold its job back for good: past
   * stallMs it is abandoned and the event loop reads that job's output, under the memory bound.
   * Armed when a pump writes after a quiet spell (its `active` event), disarmed after a tick in
   * which no pump wrote or was writing: nothing wakes an idle daemon.
   */
  private armStallCheck(): void {
    if (this.stallCheck !== null) return;
    const seen = new WeakMap<PumpReader, number>();
    this.stallCheck = setInterval(() => {
      let moving = 0;
      for (const e of this.entries.values()) {
        for (const r of e.readers) {
          if (!(r instanceof PumpReader) || !r.isDirect) continue;
          const busy = r.busyMs();
          const written = r.directWritten();
          if (busy > 0 || seen.get(r) !== written) moving++;
          seen.set(r, written);
          if (busy > this.stallMs) {
            this.logger?.warn(`${e.file.path}: a write has not finished in ${this.stallMs} ms; reading on, keeping at most ${this.bufferLimit} bytes`);
            r.abandon();
          }
        }
      }
      if (moving === 0 && this.stallCheck !== null) {
        clearInterval(this.stallCheck);
        this.stallCheck = null;
      }
    }, STALL_CHECK_MS);
    this.stallCheck.unref();
  }

  /** `initctl notify-disk-writeable`: retry every log that is waiting for the disk, now. */
  diskWritable(): void {
    for (const e of this.entries.values()) e.file.kick();
  }

  /** What became of a job instance's output so far (zeros for one never seen). */
  stats(job: string, instance: string): OutputStats {
    const e = this.entries.get(logName(job, instance));
    if (!e) return { ...ZERO };
    const s = e.file.stats();
    let direct = e.directDone;
    for (const r of e.readers) if (r instanceof PumpReader) direct += r.directWritten();
    return { ...s, bytesWritten: s.bytesWritten + direct };
  }

  /** Forgets a job instance's counters once it is gone, unless it still has output pending. */
  forget(job: string, instance: string): void {
    const key = logName(job, instance);
    const e = this.entries.get(key);
    if (e && e.file.idle) this.entries.delete(key);
  }

  /**
   * For a re-exec, first step: every reader stops (its master stays open), what they had read
   * goes to the files and what can be written is written within `timeoutMs`. Returns why it
   * cannot hand over (a reader or a write that does not finish), undefined when it can; either
   * way finishHandOver() must follow (and adopt() its wire if the exec does not happen).
   */
  async prepareHandOver(timeoutMs: number): Promise<string | undefined> {
    const deadline = performance.now() + timeoutMs;
    if (this.stallCheck !== null) clearInterval(this.stallCheck);
    this.stallCheck = null;
    let why = this.stopReaders(deadline);
    for (const e of this.entries.values()) {
      const pending = await e.file.takeQueued(deadline);
      if (pending === null) why ??= `${e.file.path}: a write is still in progress`;
      else if (pending.length > 0) this.handing.get(e)!.pending.push(pending);
    }
    return why;
  }

  /** Last step, synchronous, right before execve: readers attached since the first step stop too; the wire names every master and unwritten byte. */
  finishHandOver(): LogsWire {
    this.stopReaders(performance.now() + 1000);
    const wire: LogsWire = { entries: [] };
    for (const [e, h] of this.handing) {
      const pending = Buffer.concat([...h.pending, e.file.takeQueuedNow()]);
      if (h.masters.length === 0 && pending.length === 0) continue;
      wire.entries.push({ ...e.source, masters: h.masters, pending: pending.toString('base64') });
    }
    this.handing.clear();
    return wire;
  }

  private stopReaders(deadline: number): string | undefined {
    let why: string | undefined;
    // Every pump is asked first, then each is waited for: they stop side by side, not one after another.
    for (const e of this.entries.values()) for (const r of e.readers) if (r instanceof PumpReader) r.signalStop();
    for (const e of this.entries.values()) {
      let h = this.handing.get(e);
      if (h === undefined) this.handing.set(e, h = { masters: [], pending: [] });
      for (const r of [...e.readers]) {
        const left = r instanceof PumpReader ? r.handOver(Math.max(200, Math.round(deadline - performance.now()))) : r.handOver();
        if (left === false) why ??= `${e.file.path}: its reader did not stop (a write hangs)`;
        else e.file.append(left);
        if (r instanceof PumpReader) e.directDone += r.directWritten();
        e.readers.delete(r);
        e.file.release();
        h.masters.push(r.master);
      }
    }
    return why;
  }

  /** The other side of a hand-over (the new image, or this one when the exec failed): queues each file's pending bytes and reads its masters again; returns each master's output promise. */
  adopt(wire: LogsWire): Map<number, Promise<void>> {
    const out = new Map<number, Promise<void>>();
    for (const w of wire.entries) {
      const source = { job: w.job, instance: w.instance };
      const pending = Buffer.from(w.pending, 'base64');
      if (pending.length > 0) this.entryFor(source).file.append(pending);
      for (const m of w.masters) out.set(m, this.attach(source, m));
    }
    return out;
  }

  /** Writes what can be written, closes every log and stops retrying (daemon shutdown or re-exec). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.stallCheck !== null) clearInterval(this.stallCheck);
    this.stallCheck = null;
    await Promise.all([...this.entries.values()].map((e) => e.file.close()));
  }

  private entryFor(source: OutputSource): Entry {
    const key = logName(source.job, source.instance);
    let e = this.entries.get(key);
    if (e && !this.closed) return e;
    const entry: Entry = { source: { job: source.job, instance: source.instance }, file: undefined as unknown as LogFile, readers: new Set(), paused: false, directDone: 0 };
    entry.file = new LogFile({
      path: this.logPrefix + key,
      bufferLimit: this.bufferLimit,
      retryMs: this.retryMs,
      highWater: this.highWater,
      stallMs: this.stallMs,
      clock: this.clock,
      ...(this.logger ? { logger: this.logger } : {}),
      onIdle: () => this.goDirect(entry),
      onPressure: (pause) => {
        entry.paused = pause;
        for (const r of entry.readers) {
          if (pause) r.pause();
          else r.resume();
        }
      },
    });
    e = entry;
    if (!this.closed) this.entries.set(key, e);
    return e;
  }
}
