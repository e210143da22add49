// bench/boot: runs the real daemon (bin/upstart, session mode) on a temp confdir, reads its RSS and CPU time, follows its journal.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type ControlClient } from '../../src/control/client.ts';
import type { JournalEntry } from '../../src/model/engineApi.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const UPSTART = join(ROOT, 'bin/upstart');
export const INITCTL = join(ROOT, 'native/build/Release/initctl');

export interface BenchDaemon {
  proc: ChildProcess;
  pid: number;
  dir: string;
  socket: string;
  env: Record<string, string>;
  /** Runs the C initctl; resolves with its stdout and the milliseconds it took (spawn included). */
  initctl(args: string[]): Promise<{ stdout: string; ms: number }>;
  /** Resolves with the arrival time (performance.now) of the first journal entry after now that matches. */
  waitFor(match: (e: JournalEntry) => boolean): Promise<number>;
  rssKiB(): number;
  /** utime + stime in milliseconds (clock-tick resolution, 10 ms). */
  cpuMs(): number;
  stop(): Promise<void>;
}

export function writeJobs(confdir: string, jobs: Record<string, string>): void {
  for (const [name, text] of Object.entries(jobs)) {
    const path = join(confdir, `${name}.conf`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

const CLK_TCK = 100;

export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/**
 * Starts the daemon with `jobs`; `nodeArgs` (e.g. --cpu-prof) put it under `node`, else bin/upstart is exec'd itself.
 * `follow` subscribes to the journal (for waitFor); without it the daemon sends no client anything per event.
 */
export async function startDaemon(jobs: Record<string, string>, opts: { args?: string[]; nodeArgs?: string[]; follow?: boolean } = {}): Promise<BenchDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-bench-'));
  const confdir = join(dir, 'conf');
  const logdir = join(dir, 'log');
  const socket = join(dir, 'control.sock');
  mkdirSync(confdir);
  mkdirSync(logdir);
  writeJobs(confdir, jobs);
  const args = ['--user', '--confdir', confdir, '--logdir', logdir, '--socket', socket, ...(opts.args ?? [])];
  const proc = opts.nodeArgs
    ? spawn(process.execPath, [...opts.nodeArgs, UPSTART, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(UPSTART, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (err.includes(' mode: socket ')) { clearInterval(t); resolve(); }
      if (proc.exitCode !== null) { clearInterval(t); reject(new Error(`daemon exited: ${err}`)); }
    }, 2);
  });
  const env = { ...process.env, UPSTART_SESSION: `unix:path=${socket}` } as Record<string, string>;
  delete env.UPSTART_JOB;
  delete env.UPSTART_INSTANCE;
  const client: ControlClient | undefined = opts.follow ? await connect(socket) : undefined;
  const waiters = new Set<{ match: (e: JournalEntry) => boolean; resolve: (t: number) => void }>();
  const sub = client?.subscribe((e) => {
    const t = performance.now();
    for (const w of waiters) if (w.match(e)) { waiters.delete(w); w.resolve(t); }
  });
  const pid = proc.pid!;
  return {
    proc, pid, dir, socket, env,
    initctl: (a) => new Promise((resolve, reject) => {
      const t0 = performance.now();
      execFile(INITCTL, a, { env, maxBuffer: 64 << 20 }, (e, stdout, stderr) => {
        if (e) reject(new Error(`initctl ${a.join(' ')}: ${stderr || e.message}`));
        else resolve({ stdout, ms: performance.now() - t0 });
      });
    }),
    waitFor: (match) => {
      if (!client) throw new Error('waitFor needs startDaemon(..., { follow: true })');
      return new Promise((resolve) => waiters.add({ match, resolve }));
    },
    rssKiB: () => rssKiB(pid),
    cpuMs: () => cpuMs(pid),
    async stop() {
      await sub?.close().catch(() => undefined);
      client?.close();
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
