// Promise wrappers over node:fs callbacks that work on raw fds, for the log writers (run on the thread pool).
import * as fs from 'node:fs';

export function openAsync(path: string, flags: number, mode: number): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function fchmodAsync(fd: number, mode: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fchmod(fd, mode, (err) => (err ? reject(err) : resolve())));
}

export function fstatAsync(fd: number): Promise<fs.Stats> {
  return new Promise((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));
}

/** stat(2) of a path; null when it cannot be stat'ed (gone, or no longer reachable). */
export function statOrNull(path: string): Promise<fs.Stats | null> {
  return new Promise((resolve) => fs.stat(path, (err, st) => resolve(err ? null : st)));
}

export function writevAsync(fd: number, bufs: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => fs.writev(fd, bufs, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Closes an fd, ignoring errors (the fd is gone either way). */
/** fdatasync(2); a failure (EINVAL on a pipe, EIO) is ignored: the bytes were written, syncing is best effort. */
export function fdatasyncQuietly(fd: number): Promise<void> {
  return new Promise((resolve) => fs.fdatasync(fd, () => resolve()));
}

export function closeQuietly(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

/** The errno code of a thrown value, or 'EUNKNOWN'. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}
