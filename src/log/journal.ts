// The event journal: every event, job state change and process spawn/exit, in a bounded ring and LOGDIR/upstart-events.jsonl.
// Callback fs, not node:fs/promises: one module fewer to load (docs/performance.md, "The event loop's share of two cores").
import { rename, stat } from 'node:fs';
import { join } from 'node:path';
import type { JournalEntry } from '../model/engineApi.ts';
import { realClock, type Clock } from '../platform/clock.ts';
import { LogFile } from './logFile.ts';
import { JOURNAL_CARRIED, type JournalWire } from './journalState.ts';
import { JOURNAL_FILE_NAME } from './logName.ts';
import type { DiagnosticLogger } from './port.ts';

/** A journal entry before it is stamped: the journal adds `t` (monotonic ms) and `wall` (epoch ms). */
export type JournalRecord = JournalEntry extends infer E ? (E extends JournalEntry ? Omit<E, 't' | 'wall'> : never) : never;

export interface JournalOptions {
  /** Entries kept in memory (default 10000); the oldest go first. */
  capacity?: number;
  /** Where upstart-events.jsonl goes; without it the journal is memory only. */
  logDir?: string;
  /** Bytes of JSON lines kept while the file cannot be written (default 4 MiB). */
  fileBufferLimit?: number;
  retryMs?: number;
  /** Past this many bytes the file becomes upstart-events.jsonl.1 (replacing the last one) and a new one starts (default 16 MiB). */
  maxFileBytes?: number;
  clock?: Clock;
  logger?: DiagnosticLogger;
  /** After a re-exec: the ring and unwritten lines the old image handed over (times re-based by `shift` ms). */
  restore?: { wire: JournalWire; shift: number };
}

export interface JournalStats {
  entries: number;
  capacity: number;
  /** Entries ever appended (including those the ring has since let go). */
  appended: number;
  /** Listener calls that threw (the listener is kept; the journal goes on). */
  listenerErrors: number;
  file?: { path: string; bytesWritten: number; bytesDropped: number; buffered: number };
}

export const DEFAULT_JOURNAL_CAPACITY = 10_000;
export const DEFAULT_JOURNAL_FILE_BYTES = 16 * 1024 * 1024;

/** Ring of the last `capacity` entries in append order; followers see each entry once, as it is appended. */
export class Journal {
  readonly capacity: number;
  private readonly ring: Array<JournalEntry | undefined>;
  private next = 0;
  private count = 0;
  private appended = 0;
  private listenerErrors = 0;
  private readonly listeners = new Set<(e: JournalEntry) => void>();
  private readonly clock: Clock;
  private readonly file: LogFile | null;
  private readonly maxFileBytes: number;
  /** Bytes in the file (as far as we know: its size at start plus what we appended since). */
  private fileBytes = 0;
  private readonly logger: DiagnosticLogger | undefined;
  /** JSON lines not yet handed to the file: one Buffer per tick, not one per entry (see flushLines). */
  private lines: string[] = [];
  private flushQueued = false;
  private readonly flushNow = (): void => this.flushLines();

  constructor(opts: JournalOptions = {}) {
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_JOURNAL_FILE_BYTES;
    this.logger = opts.logger;
    this.capacity = Math.max(1, Math.floor(opts.capacity ?? DEFAULT_JOURNAL_CAPACITY));
    this.ring = new Array<JournalEntry | undefined>(this.capacity);
    this.clock = opts.clock ?? realClock;
    this.file = opts.logDir === undefined
      ? null
      : new LogFile({
        path: join(opts.logDir, JOURNAL_FILE_NAME),
        bufferLimit: opts.fileBufferLimit ?? 4 * 1024 * 1024,
        retryMs: opts.retryMs ?? 1000,
        highWater: Number.MAX_SAFE_INTEGER,
        stallMs: 5000,
        clock: this.clock,
        ...(opts.logger ? { logger: opts.logger } : {}),
      });
    this.file?.hold();
    if (opts.restore) {
      for (const e of opts.restore.wire.entries) this.push({ ...e, t: e.t + opts.restore.shift });
      this.appended = opts.restore.wire.appended;
      const pending = Buffer.from(opts.restore.wire.pending, 'base64');
      if (pending.length > 0) this.file?.append(pending);
    }
    if (this.file) {
      const path = this.file.path;
      stat(path, (err, s) => { if (!err) this.fileBytes += s.size; /* else not there yet */ });
    }
  }

  /** Stamps a record with the clock's monotonic and wall time and appends it. */
  record(rec: JournalRecord): JournalEntry {
    const entry = { ...rec, t: this.clock.now(), wall: this.clock.wallNow() } as JournalEntry;
    this.append(entry);
    return entry;
  }

  private push(entry: JournalEntry): void {
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** For a re-exec, right before execve: the newest entries and the lines queued for the file (a line being written at that moment is not among them). */
  handOverNow(): JournalWire {
    this.flushLines();
    const pending = this.file ? this.file.takeQueuedNow() : Buffer.alloc(0);
    return { entries: this.entries().slice(-JOURNAL_CARRIED), appended: this.appended, pending: pending.toString('base64') };
  }

  /** A re-exec that did not happen: the lines handed over are queued for the file again. */
  takeBack(wire: JournalWire): void {
    const pending = Buffer.from(wire.pending, 'base64');
    if (pending.length > 0) this.file?.append(pending);
  }

  append(entry: JournalEntry): void {
    this.push(entry);
    this.appended++;
    if (this.file) {
      this.lines.push(JSON.stringify(entry));
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(this.flushNow);
      }
    }
    // forEach, not for-of: no iterator objects per entry.
    this.listeners.forEach((fn) => {
      try {
        fn(entry);
      } catch {
        this.listenerErrors++;
      }
    });
  }

  /** Hands the lines appended since the last flush to the file as one Buffer (in order), then rotates if it is big enough. */
  private flushLines(): void {
    this.flushQueued = false;
    if (this.file === null || this.lines.length === 0) return;
    this.lines.push('');
    const chunk = Buffer.from(this.lines.join('\n'));
    this.lines = [];
    this.file.append(chunk);
    this.fileBytes += chunk.length;
    if (this.fileBytes > this.maxFileBytes) this.rotateFile(this.file.path);
  }

  /**
   * The file is big enough: it becomes FILE.1 (the lines still queued follow it there, being
   * older) and the next write starts a new FILE, as after logrotate.
   */
  private rotateFile(path: string): void {
    this.fileBytes = 0;
    rename(path, `${path}.1`, (err) => {
      if (err && err.code !== 'ENOENT') this.logger?.warn(`${path}: cannot rotate: ${err.message}`);
    });
  }

  /** The entries held, oldest first. */
  entries(): JournalEntry[] {
    const out: JournalEntry[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.ring[(start + i) % this.capacity]!);
    return out;
  }

  /** Calls fn for every entry appended from now on; returns the unsubscribe function. */
  follow(fn: (entry: JournalEntry) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  /** The log directory may be writable now: write the buffered lines at once. */
  diskWritable(): void {
    this.file?.kick();
  }

  /** Resolves once every line appended so far is written (or held because the file cannot be written). */
  settled(): Promise<void> {
    this.flushLines();
    return this.file?.settled() ?? Promise.resolve();
  }

  stats(): JournalStats {
    this.flushLines();
    const s: JournalStats = { entries: this.count, capacity: this.capacity, appended: this.appended, listenerErrors: this.listenerErrors };
    if (this.file) s.file = { path: this.file.path, ...this.file.stats() };
    return s;
  }

  /** Writes every line appended so far, fdatasyncs the file and closes it (the daemon does this last). */
  async close(): Promise<void> {
    this.listeners.clear();
    this.flushLines();
    if (this.file) {
      this.file.release();
      await this.file.close({ sync: true });
    }
  }
}
