// Container output: job output copied to the daemon's stdout line by line, each line prefixed `job  | ` as docker compose does.
import { FdReader } from './fdReader.ts';
import type { OutputSink, OutputSource } from './port.ts';

/** What one reader of a job process's output hands on: its bytes in order, then its end. */
export interface OutputTap {
  data(chunk: Buffer): void;
  end(): void;
}

export interface LinePrefixOptions {
  /** Writes bytes to the daemon's stdout, whole (synchronously, so nothing waits in memory at exit). */
  write(bytes: Buffer): void;
  /** false: lines are copied as they are (--no-output-prefix). */
  prefix: boolean;
  /** A line longer than this is written in pieces of this size, each as a line (default 64 KiB). */
  maxLine?: number;
}

const NL = 0x0a;

/** `job` or `job (instance)`, the label initctl uses. */
export function outputLabel(source: OutputSource): string {
  return source.instance === '' ? source.job : `${source.job} (${source.instance})`;
}

/**
 * Turns each process's bytes into whole lines on stdout. Labels are padded to the longest label
 * seen so far, so the bars line up once every job has written (compose pads to the longest service
 * name). A process's last line without a newline is written, with one, when its output ends.
 */
export class LinePrefixer {
  private width = 0;
  private readonly maxLine: number;

  constructor(private readonly o: LinePrefixOptions) {
    this.maxLine = o.maxLine ?? 64 * 1024;
  }

  /** A tap for one reader (one process) of `source`'s output. */
  tap(source: OutputSource): OutputTap {
    const label = outputLabel(source);
    let partial: Buffer[] = [];
    let partialBytes = 0;
    const emit = (lines: Buffer[]): void => {
      if (lines.length === 0) return;
      if (!this.o.prefix) {
        this.o.write(Buffer.concat(lines));
        return;
      }
      this.width = Math.max(this.width, label.length);
      const head = Buffer.from(`${label.padEnd(this.width)} | `);
      const parts: Buffer[] = [];
      for (const l of lines) parts.push(head, l);
      this.o.write(Buffer.concat(parts));
    };
    return {
      data: (chunk) => {
        const lines: Buffer[] = [];
        let start = 0;
        for (;;) {
          const nl = chunk.indexOf(NL, start);
          if (nl < 0) break;
          const piece = chunk.subarray(start, nl + 1);
          lines.push(partialBytes > 0 ? Buffer.concat([...partial, piece]) : piece);
          partial = [];
          partialBytes = 0;
          start = nl + 1;
        }
        if (start < chunk.length) {
          // Copied: the reader may reuse its buffer.
          const rest = Buffer.from(chunk.subarray(start));
          partial.push(rest);
          partialBytes += rest.length;
          while (partialBytes >= this.maxLine) {
            const all = Buffer.concat(partial);
            lines.push(Buffer.concat([all.subarray(0, this.maxLine), Buffer.from('\n')]));
            const left = all.subarray(this.maxLine);
            partial = left.length > 0 ? [left] : [];
            partialBytes = left.length;
          }
        }
        emit(lines);
      },
      end: () => {
        if (partialBytes > 0) emit([Buffer.concat([...partial, Buffer.from('\n')])]);
        partial = [];
        partialBytes = 0;
      },
    };
  }
}

/**
 * The output sink of a container's init without --logdir: every `console log` process's pty is
 * read on the event loop and its lines go to stdout only (with --logdir, JobLogger writes the
 * files and hands each chunk to the same taps).
 */
export class StdoutSink implements OutputSink {
  constructor(private readonly lines: LinePrefixer) {}

  attach(source: OutputSource, fd: number): Promise<void> {
    const tap = this.lines.tap(source);
    return new Promise<void>((resolve) => {
      new FdReader(fd, {
        data: (chunk) => tap.data(chunk),
        end: () => {
          tap.end();
          resolve();
        },
      });
    });
  }
}
