// Runs the real daemon (bin/upstart, session mode) on a temp confdir, logdir and socket, and drives it with bin/initctl.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const UPSTART = join(ROOT, 'bin/upstart');
export const INITCTL = join(ROOT, 'bin/initctl');

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface DaemonHandle {
  dir: string;
  confdir: string;
  logdir: string;
  socket: string;
  proc: ChildProcess;
  /** Everything the daemon wrote to stderr so far. */
  stderr(): string;
  initctl(args: string[], env?: Record<string, string>): Promise<RunResult>;
  writeJob(name: string, text: string): void;
  removeJob(name: string): void;
  /** Stops the daemon (SIGTERM, then SIGKILL after a deadline) and removes the temp dir. */
  stop(): Promise<void>;
}

/** Polls `fn` until it returns a truthy value or the deadline passes (then throws with the last value). */
export async function waitUntil<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function run(file: string, args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((res) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ stdout, stderr, code });
    });
  });
}

export async function startDaemon(jobs: Record<string, string>, opts: { args?: string[]; env?: Record<string, string> } = {}): Promise<DaemonHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-it-'));
  const confdir = join(dir, 'conf');
  const logdir = join(dir, 'log');
  const socket = join(dir, 'control.sock');
  mkdirSync(confdir);
  mkdirSync(logdir);
  const writeJob = (name: string, text: string): void => {
    const path = join(confdir, `${name}.conf`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  for (const [name, text] of Object.entries(jobs)) writeJob(name, text);
  const proc = spawn(process.execPath, [UPSTART, '--user', '--confdir', confdir, '--logdir', logdir, '--socket', socket, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  proc.stdout!.resume();
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  let stopped = false;
  const handle: DaemonHandle = {
    dir, confdir, logdir, socket, proc,
    stderr: () => err,
    initctl: (args, env = {}) => run(INITCTL, args, { UPSTART_SESSION: `unix:path=${socket}`, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined, ...env }),
    writeJob,
    removeJob: (name) => unlinkSync(join(confdir, `${name}.conf`)),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil('the daemon to listen', () => err.includes(' mode: socket ') || proc.exitCode !== null, 20_000);
    if (proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode}: ${err}`);
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return handle;
}
