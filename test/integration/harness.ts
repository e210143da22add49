// Runs the real daemon (bin/upstart, session mode) on a temp confdir, logdir and socket, and drives it with bin/initctl.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
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
export async function waitUntil<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 25): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
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

/** opts.node: the node binary to run the daemon with (default this process's). */
export async function startDaemon(jobs: Record<string, string>, opts: { args?: string[]; env?: Record<string, string>; node?: string } = {}): Promise<DaemonHandle> {
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
  const proc = spawn(opts.node ?? process.execPath, [UPSTART, '--user', '--confdir', confdir, '--logdir', logdir, '--socket', socket, ...(opts.args ?? [])], {
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
      const seen = new Set<number>();
      if (proc.exitCode === null && proc.signalCode === null) {
        for (const p of proc.pid === undefined ? [] : descendants(proc.pid)) seen.add(p);
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      // Anything a test left behind (a job that outlived the daemon would be a bug the test reports).
      for (const p of seen) killIfAlive(p);
      for (const p of jobProcesses(socket)) killIfAlive(p);
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

// ---- processes, as /proc shows them ---------------------------------------------------------

/** The one-letter state of a process (R, S, T, Z, ...), or undefined when it is gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** The parent pid of a process, or undefined when it is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  const s = procState(pid);
  return s !== undefined && s !== 'Z' && s !== 'X';
}

/** argv of a process, or undefined when it is gone. */
/**
 * Whether `pid` runs this node binary: how to find a daemon that is PID 1 of a namespace, whose
 * command line is only `init` once it has set its process title.
 */
export function runsNode(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`) === realpathSync(process.execPath);
  } catch {
    return false;
  }
}

export function cmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/** Direct children of a process (every thread's), from /proc/PID/task/TID/children. */
export function children(pid: number): number[] {
  const out: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c.trim() !== '') out.push(Number(c));
    } catch {
      // thread gone
    }
  }
  return out;
}

/** Every descendant of a process (children, their children, ...). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const todo = children(pid);
  while (todo.length > 0) {
    const p = todo.shift()!;
    out.push(p);
    todo.push(...children(p));
  }
  return out;
}

export function killIfAlive(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** Every live process whose environment names this daemon's socket (UPSTART_SESSION): its jobs' processes, wherever they were reparented. */
export function jobProcesses(socket: string): number[] {
  const needle = `UPSTART_SESSION=unix:path=${socket}\0`;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(needle) && alive(Number(name))) out.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** `initctl status JOB` parsed: goal, state and the main pid (when the line shows one). */
export interface ParsedStatus {
  goal: string;
  state: string;
  pid?: number;
  line: string;
}

export async function jobStatus(d: DaemonHandle, job: string): Promise<ParsedStatus> {
  const r = await d.initctl(['status', job]);
  const line = r.stdout.split('\n')[0] ?? '';
  const m = /^\S+(?: \([^)]*\))? (\w+)\/([\w-]+)(?:, process (\d+))?/.exec(line);
  if (!m) return { goal: '', state: '', line: line || r.stderr };
  const s: ParsedStatus = { goal: m[1]!, state: m[2]!, line };
  if (m[3] !== undefined) s.pid = Number(m[3]);
  return s;
}

/** Waits until `initctl status JOB` shows goal/state (e.g. 'start/running'); returns the parsed status. */
export function waitForStatus(d: DaemonHandle, job: string, want: string, timeoutMs = 20_000): Promise<ParsedStatus> {
  return waitUntil(`${job} to be ${want}`, async () => {
    const s = await jobStatus(d, job);
    return `${s.goal}/${s.state}` === want ? s : undefined;
  }, timeoutMs);
}

/** Waits for a file to exist and be non-empty (ending in a newline); returns its text. */
export function waitForFile(path: string, timeoutMs = 20_000): Promise<string> {
  return waitUntil(`${path} to be written`, () => {
    try {
      const t = readFileSync(path, 'utf8');
      return t.endsWith('\n') ? t : '';
    } catch {
      return '';
    }
  }, timeoutMs);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}
