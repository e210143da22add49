// Test helper: one reaper per test process, exits awaited by pid with deadlines, child stdout captured through a pipe.
import { readSync } from 'node:fs';
import { Socket } from 'node:net';
import { isatty, ReadStream as TtyReadStream } from 'node:tty';
import type { Readable } from 'node:stream';
import * as native from '../../../../src/sys/index.ts';
import type { ChildStatus, SpawnSpec } from '../../../../src/sys/index.ts';

const seen = new Map<number, ChildStatus[]>();
const waiters = new Map<number, Array<(s: ChildStatus) => void>>();
let started = false;

/** Every status the reaper reported, including pids nobody waited for. */
export const allStatuses: ChildStatus[] = [];

function start(): void {
  if (started) return;
  started = true;
  native.startReaper((statuses) => {
    for (const s of statuses) {
      allStatuses.push(s);
      const w = waiters.get(s.pid);
      if (w && w.length > 0) {
        w.shift()!(s);
        if (w.length === 0) waiters.delete(s.pid);
      } else {
        const list = seen.get(s.pid) ?? [];
        list.push(s);
        seen.set(s.pid, list);
      }
    }
  });
}

/** Stops the reaper so the test process can exit. */
export function stopReaping(): void {
  if (started) native.stopReaper();
  started = false;
}

/** The next status of `pid` (exit, stop, trap), or rejects after `ms`. */
export function nextStatus(pid: number, ms = 10000): Promise<ChildStatus> {
  start();
  const early = seen.get(pid);
  if (early && early.length > 0) {
    const s = early.shift()!;
    if (early.length === 0) seen.delete(pid);
    return Promise.resolve(s);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status for pid ${pid} within ${ms} ms`)), ms);
    const list = waiters.get(pid) ?? [];
    list.push((s) => { clearTimeout(timer); resolve(s); });
    waiters.set(pid, list);
  });
}

/** Waits for the end (exited/killed/dumped) of `pid`. */
export async function waitEnd(pid: number, ms = 10000): Promise<ChildStatus> {
  for (;;) {
    const s = await nextStatus(pid, ms);
    if (s.kind === 'exited' || s.kind === 'killed' || s.kind === 'dumped') return s;
  }
}

/**
 * Reads `fd` (a pipe or a pty master) to EOF/EIO; resolves with everything read. For a pty, libuv may
 * end the stream at POLLHUP while the kernel still holds bytes, so the rest is drained until EIO.
 */
export function readAll(fd: number, ms = 10000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const pty = isatty(fd);
    const stream: Readable = pty ? new TtyReadStream(fd) : new Socket({ fd, readable: true, writable: false });
    let finished = false;
    const timer = setTimeout(() => { finish(); reject(new Error(`fd ${fd} not at EOF within ${ms} ms`)); }, ms);
    function drain(): void {
      const buf = Buffer.alloc(65536);
      for (;;) {
        try {
          const n = readSync(fd, buf, 0, buf.length, null);
          if (n <= 0) return;
          chunks.push(Buffer.from(buf.subarray(0, n)));
        } catch {
          return; // EIO: every slave closed and every byte read; EAGAIN: nothing more now
        }
      }
    }
    function finish(): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (pty) drain();
      stream.destroy();
    }
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => { finish(); resolve(Buffer.concat(chunks)); });
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EIO') { finish(); resolve(Buffer.concat(chunks)); } else { finish(); reject(err); }
    });
  });
}

/** Spawns with stdout (and stderr unless given) on a pipe; resolves with the output and the end status. */
export async function run(spec: SpawnSpec, ms = 10000): Promise<{ pid: number; out: string; status: ChildStatus }> {
  start();
  const [r, w] = native.pipe();
  let pid: number;
  try {
    pid = native.spawn({ ...spec, stdio: spec.stdio ?? ['null', w, w] });
  } catch (err) {
    native.closeFd(r);
    throw err;
  } finally {
    native.closeFd(w);
  }
  const [out, status] = await Promise.all([readAll(r, ms), waitEnd(pid, ms)]);
  return { pid, out: out.toString('utf8'), status };
}

export const SH_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C'];
