// Feeds a job script to its shell through a pipe the shell reads as /proc/self/fd/N, never blocking the daemon.
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import * as native from '../sys/index.ts';

/** The pipe for one script: the child keeps `readFd` (argv gets `path`), the daemon writes into `writeFd`. */
export interface ScriptPipe {
  readFd: number;
  writeFd: number;
  path: string;
}

/**
 * /proc/self/fd/N, as Upstart used: a fresh devtmpfs has no /dev/fd link (udev or init makes it
 * later), while /proc is what PID 1 mounts first. In the shell, /proc/self is the shell itself.
 */
export function openScriptPipe(avoid: readonly number[] = []): ScriptPipe {
  const [first, writeFd] = native.pipe();
  // The read end must not sit where the child gets another fd (a socket on 3, a notification fd): moved past them.
  let readFd = first;
  const dropped: number[] = [];
  while (avoid.includes(readFd)) {
    dropped.push(readFd);
    readFd = native.dupFd(readFd);
  }
  for (const f of dropped) native.closeFd(f);
  return { readFd, writeFd, path: `/proc/self/fd/${readFd}` };
}

/**
 * Call after spawn (the daemon's read end already closed): writes what fits in the pipe now and hands
 * any remainder to a non-blocking stream, so a script of any size neither blocks the daemon nor is cut.
 * A shell that exits without reading everything (EPIPE) is not an error.
 */
export function feedScript(writeFd: number, script: string, onError: (err: Error) => void): void {
  const data = Buffer.from(script, 'utf8');
  native.setNonblock(writeFd, true);
  let off = 0;
  try {
    while (off < data.length) off += writeSync(writeFd, data, off, data.length - off);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EAGAIN') {
      native.closeFd(writeFd);
      if (code !== 'EPIPE') onError(err as Error);
      return;
    }
  }
  if (off >= data.length) {
    native.closeFd(writeFd);
    return;
  }
  const sock = new Socket({ fd: writeFd, readable: false, writable: true });
  sock.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') onError(err);
    sock.destroy();
  });
  sock.end(data.subarray(off));
}
