// Test helpers for the log tests: temp dirs, FIFOs opened as raw fds, writer processes, deadlines.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'upstart-ts-log-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A FIFO whose read end is opened non-blocking in this process (as the daemon gets a pty master);
 * `writerRedirect` is the shell redirection a writer uses to write to it.
 */
export function fifo(dir: string, name = 'out.fifo'): { readFd: number; path: string } {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return { readFd, path };
}

/** Runs `sh -c script` with stdout and stderr going to the FIFO at path; resolves with its exit status. */
export function writeThroughFifo(fifoPath: string, script: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn('/bin/sh', ['-c', `exec >'${fifoPath}' 2>&1; ${script}`], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
  return { child, exited };
}

/** Runs `sh -c script` with stdio [ignore, fd, fd] (a pty slave or pipe write end). */
export function writeToFd(fd: number, script: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn('/bin/sh', ['-c', script], { stdio: ['ignore', fd, fd] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
  return { child, exited };
}

/** Resolves once cond() is true, polling every few ms; rejects with `what` after the deadline. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Rejects if p has not settled within ms. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Records what the logger said, for assertions. */
export function recordingLogger(): { info(m: string): void; warn(m: string): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`) };
}
