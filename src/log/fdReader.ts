// FdReader: reads a pty master, pipe or FIFO fd on the event loop (libuv), treating a pty's EIO as end of file.
import { closeSync, createReadStream, fstatSync, readSync } from 'node:fs';
import { Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { errorCode } from './fsAsync.ts';

export interface FdReaderHandlers {
  /** Bytes in the order read; the buffer is the reader's to keep. */
  data(chunk: Buffer): void;
  /** Called once: end of file (a pty's EIO included), or the read error that ended reading. The fd is closed. */
  end(error?: { code: string; message: string }): void;
}

/**
 * Owns fd from construction: reads it without blocking (libuv polls it) until end of file, then
 * closes it. A pty master reports EIO once every slave fd is closed, and only after the kernel
 * has handed over every byte written before that, so EIO is end of file here.
 *
 * libuv ends a stream early when poll says POLLHUP after a read shorter than its buffer; a pty
 * read never returns more than about 4 KiB, so for a pty that "end" can come while the kernel
 * still holds output (the last bytes of a process that wrote a lot and exited at once). On that
 * end the reader therefore drains the fd itself with non-blocking reads until EIO before closing.
 */
export class FdReader {
  private readonly stream: Readable | null;
  private done = false;
  private readonly h: FdReaderHandlers;
  private readonly fd: number;
  private readonly pty: boolean;

  constructor(fd: number, handlers: FdReaderHandlers) {
    this.h = handlers;
    this.fd = fd;
    this.pty = isTty(fd);
    let stream: Readable;
    try {
      stream = this.pty ? new (tty().ReadStream)(fd) : openStream(fd);
    } catch (err) {
      closeFdQuietly(fd);
      this.stream = null;
      const e = { code: errorCode(err), message: err instanceof Error ? err.message : String(err) };
      queueMicrotask(() => this.finish(e));
      return;
    }
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => {
      if (!this.done) this.h.data(chunk);
    });
    stream.on('end', () => {
      // Still open here: the stream is destroyed (and fd closed) only after 'end' listeners ran.
      if (this.pty && !this.done) this.drainPty();
      this.finish();
    });
    stream.on('error', (err: Error) => {
      const code = errorCode(err);
      this.finish(code === 'EIO' ? undefined : { code, message: err.message });
    });
    stream.on('close', () => this.finish());
  }

  pause(): void {
    if (!this.done) this.stream?.pause();
  }

  resume(): void {
    if (!this.done) this.stream?.resume();
  }

  /** The fd this reader owns. */
  get master(): number {
    return this.fd;
  }

  /** For a re-exec: stops reading without closing the fd or calling `end`; returns what was read but not yet delivered. */
  handOver(): Buffer {
    if (this.done || this.stream === null) return Buffer.alloc(0);
    this.done = true;
    this.stream.pause();
    const left: Buffer[] = [];
    for (let c = this.stream.read() as Buffer | null; c !== null; c = this.stream.read() as Buffer | null) left.push(c);
    // The handle must not close the fd: it is kept across execve (or handed to a new reader).
    (this.stream as unknown as { _handle?: { readStop?: () => void } })._handle?.readStop?.();
    return Buffer.concat(left);
  }

  /** Reads what the kernel still holds for a pty whose slave side is closed (never blocks: fd is non-blocking). */
  private drainPty(): void {
    const buf = Buffer.allocUnsafe(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, buf, 0, buf.length, null);
      } catch {
        return; // EIO: all read. EAGAIN: a slave is open again; its output is not ours to wait for.
      }
      if (n <= 0) return;
      this.h.data(Buffer.from(buf.subarray(0, n)));
    }
  }

  private finish(error?: { code: string; message: string }): void {
    if (this.done) return;
    this.done = true;
    if (this.stream && !this.stream.destroyed) this.stream.destroy();
    this.h.end(error);
  }
}

function openStream(fd: number): Readable {
  const st = fstatSync(fd);
  if (st.isFIFO() || st.isSocket()) return new Socket({ fd, readable: true, writable: false, allowHalfOpen: false });
  // A regular file (or anything else readable): read it to its end on the thread pool.
  return createReadStream('', { fd, autoClose: true });
}

function closeFdQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * node:tty only for a character device (a pty without the native pump): the daemon reads its ptys on the native pump
 * and its pipes here, and does without the module otherwise (docs/performance.md).
 */
let ttyModule: typeof import('node:tty') | undefined;
const tty = (): typeof import('node:tty') => (ttyModule ??= createRequire(import.meta.url)('node:tty') as typeof import('node:tty'));

function isTty(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return tty().isatty(fd);
}
