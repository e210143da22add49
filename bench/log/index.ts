// bench log: a job floods 256 MiB through the real daemon into its log, against `cat` of the same bytes; status latency meanwhile.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type ControlClient } from '../../src/control/client.ts';
import { openpty } from '../../src/sys/index.ts';

const SIZE = Number(process.env.BENCH_LOG_BYTES ?? 256 * 1024 * 1024);
const ROUNDS = Number(process.env.BENCH_LOG_ROUNDS ?? 3);
const MiB = 1024 * 1024;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const INITCTL = join(ROOT, 'bin/initctl');

const dir = mkdtempSync(join(tmpdir(), 'bench-log-'));
const src = join(dir, 'source.bin');
const confdir = join(dir, 'conf');
const logdir = join(dir, 'log');
const socket = join(dir, 'control.sock');
mkdirSync(confdir);
mkdirSync(logdir);
// Random bytes (1 MiB repeated) so nothing on the path can shortcut zeros.
const block = randomBytes(MiB);
const fd = openSync(src, 'w');
for (let n = 0; n < SIZE; n += MiB) writeFileSync(fd, block.subarray(0, Math.min(MiB, SIZE - n)));
closeSync(fd);
writeFileSync(join(confdir, 'flood.conf'), `task\nexec cat '${src}'\n`);
const probeBin = join(dir, 'probe');
execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', probeBin, fileURLToPath(new URL('./probe.c', import.meta.url))]);
writeFileSync(join(confdir, 'idle.conf'), 'exec sleep 3600\n');

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('exit', (code) => res(code));
  });
}

function initctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(INITCTL, args, { env: { ...process.env, UPSTART_SESSION: `unix:path=${socket}` } }, (err, stdout, stderr) => {
      res({ code: err ? 1 : 0, stdout, stderr });
    });
  });
}

async function startDaemon(): Promise<ChildProcess> {
  const d = spawn(process.execPath, [join(ROOT, 'bin/upstart'), '--user', '--confdir', confdir, '--logdir', logdir, '--socket', socket], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // BENCH_LOG_PUMP=0: the daemon reads job output on its event loop (no native pump), for comparison.
    env: { ...process.env, UPSTART_TS_LOG_PUMP: process.env.BENCH_LOG_PUMP ?? '1' },
  });
  let err = '';
  d.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
  const end = Date.now() + 20_000;
  while (!err.includes(' mode: socket ')) {
    if (d.exitCode !== null || Date.now() > end) throw new Error(`the daemon did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return d;
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** initctl status of `idle` run one after another by probe.c (a C loop, so the harness adds nothing), every `interval` ms until stopped. */
function prober(interval: number): { stop(): Promise<number[]> } {
  const p = spawn(probeBin, [INITCTL, 'idle', String(interval)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, UPSTART_SESSION: `unix:path=${socket}` },
  });
  let out = '';
  p.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  const done = exited(p);
  return {
    async stop() {
      p.stdin!.end();
      const code = await done;
      if (code !== 0) throw new Error(`probe exited ${code}`);
      const lines = out.trim().split('\n').filter((l) => l !== '');
      const bad = lines.filter((l) => !l.endsWith(' 1'));
      if (bad.length > 0) throw new Error(`initctl status idle failed ${bad.length} times`);
      return lines.map((l) => Number(l.split(' ')[0]));
    },
  };
}

/**
 * The status load run during every flood, the daemon's and cat's alike, so both see the same
 * competition for the cores: initctl status of `idle` every 5 ms (probe.c), and a status request
 * every 2 ms on one open connection (the daemon's own answer time, with no client start-up).
 * BENCH_LOG_STATUS=0 runs the floods without it.
 */
function statusLoad(client: ControlClient): { stop(): Promise<{ statusMs: number[]; answerMs: number[] }> } {
  const answerMs: number[] = [];
  if (process.env.BENCH_LOG_STATUS === '0') return { stop: async () => ({ statusMs: [], answerMs }) };
  let running = true;
  const asker = (async () => {
    while (running) {
      const t = performance.now();
      const s = await client.status('idle');
      if (!running) break;
      if (s[0]?.state !== 'running') throw new Error(`status idle: ${JSON.stringify(s)}`);
      answerMs.push(performance.now() - t);
      await new Promise((res) => setTimeout(res, 2));
    }
  })();
  const probe = prober(5);
  return {
    async stop() {
      running = false;
      const statusMs = await probe.stop();
      await asker;
      return { statusMs, answerMs };
    },
  };
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
};

/** `initctl start flood` (returns once the task has stopped: every byte is in the log), under the status load. */
async function viaDaemon(pid: number, client: ControlClient): Promise<{ seconds: number; cpu: number; statusMs: number[]; answerMs: number[] }> {
  const log = join(logdir, 'flood.log');
  rmSync(log, { force: true });
  const load = statusLoad(client);
  const t0 = performance.now();
  const c0 = cpuSeconds(pid);
  const r = await initctl(['start', 'flood']);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - c0;
  const { statusMs, answerMs } = await load.stop();
  if (r.code !== 0) throw new Error(`start flood: ${r.stderr}`);
  const size = statSync(log).size;
  if (size !== SIZE) throw new Error(`flood.log has ${size} bytes, want ${SIZE}`);
  unlinkSync(log);
  return { seconds, cpu, statusMs, answerMs };
}

/** The writer `cat source` on a raw pty's slave; returns the master and the writer's exit. */
function ptyWriter(): { master: number; done: Promise<number | null> } {
  const pty = openpty({ raw: true });
  const child = spawn('cat', [src], { stdio: ['ignore', pty.slave, pty.slave] });
  closeSync(pty.slave);
  return { master: pty.master, done: exited(child) };
}

/** `cat` reading a pty master (the channel the daemon reads) into a file, under the same status load: the baseline. */
async function catFromPty(client: ControlClient): Promise<{ seconds: number; cpu: number; statusMs: number[] }> {
  const out = join(dir, 'cat-pty.out');
  const outFd = openSync(out, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o640);
  const load = statusLoad(client);
  const t0 = performance.now();
  const w = ptyWriter();
  // bash's `time` reports cat's own CPU use; cat ends with EIO (status 1) once the writer is gone.
  const cat = spawn('bash', ['-c', 'TIMEFORMAT="%U %S"; time cat'], { stdio: [w.master, outFd, 'pipe'] });
  let times = '';
  cat.stderr!.setEncoding('utf8').on('data', (s: string) => { times += s; });
  closeSync(w.master);
  closeSync(outFd);
  await Promise.all([w.done, exited(cat)]);
  const seconds = (performance.now() - t0) / 1000;
  const { statusMs } = await load.stop();
  const size = statSync(out).size;
  if (size !== SIZE) throw new Error(`cat from pty wrote ${size} bytes, want ${SIZE}`);
  unlinkSync(out);
  const [user, sys] = (times.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { seconds, cpu: (user ?? NaN) + (sys ?? NaN), statusMs };
}

/** `cat source > file`: no pty at all, the disk's ceiling (for reference). */
async function catFileToFile(): Promise<number> {
  const out = join(dir, 'cat-file.out');
  const outFd = openSync(out, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o640);
  const t0 = performance.now();
  const cat = spawn('cat', [src], { stdio: ['ignore', outFd, 'inherit'] });
  closeSync(outFd);
  await exited(cat);
  const seconds = (performance.now() - t0) / 1000;
  unlinkSync(out);
  return seconds;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (s: number): string => (SIZE / MiB / s).toFixed(0);

const daemon = await startDaemon();
try {
  const started = await initctl(['start', 'idle']);
  if (started.code !== 0) throw new Error(`start idle: ${started.stderr}`);
  const idleProbe = prober(5);
  await new Promise((res) => setTimeout(res, 2000));
  const idleStatus = await idleProbe.stop();
  const client = await connect(socket);
  const catStatus: number[] = [];
  const allAnswers: number[] = [];
  const viaLog: number[] = [];
  const catPty: number[] = [];
  const catFile: number[] = [];
  const logCpu: number[] = [];
  const catCpu: number[] = [];
  const ratios: number[] = [];
  const allStatus: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so neither side always runs on a warmer page cache.
    const order = r % 2 === 0 ? ['daemon', 'pty', 'file'] : ['file', 'pty', 'daemon'];
    let maxStatus = 0;
    let nStatus = 0;
    for (const which of order) {
      if (which === 'daemon') {
        const x = await viaDaemon(daemon.pid!, client);
        allAnswers.push(...x.answerMs);
        viaLog.push(x.seconds);
        logCpu.push(x.cpu);
        allStatus.push(...x.statusMs);
        maxStatus = Math.max(0, ...x.statusMs);
        nStatus = x.statusMs.length;
      } else if (which === 'pty') {
        const x = await catFromPty(client);
        catStatus.push(...x.statusMs);
        catPty.push(x.seconds);
        catCpu.push(x.cpu);
      } else catFile.push(await catFileToFile());
    }
    ratios.push(catPty[r]! / viaLog[r]!);
    console.log(`round ${r + 1}: daemon ${rate(viaLog[r]!)} MiB/s (${logCpu[r]!.toFixed(2)} s CPU), cat from pty ${rate(catPty[r]!)} MiB/s (${catCpu[r]!.toFixed(2)} s CPU), ratio ${ratios[r]!.toFixed(2)}; cat file to file ${rate(catFile[r]!)} MiB/s; initctl status during the flood: ${nStatus} answers, max ${maxStatus.toFixed(1)} ms`);
  }
  const l = median(viaLog);
  const p = median(catPty);
  console.log(`bytes: ${SIZE} (${SIZE / MiB} MiB), rounds: ${ROUNDS}, read path: ${process.env.BENCH_LOG_PUMP === '0' ? 'event loop' : 'native pump'}, medians:`);
  console.log(`  daemon (job pty -> LOGDIR/flood.log): ${rate(l)} MiB/s, daemon CPU ${median(logCpu).toFixed(2)} s`);
  console.log(`  cat (same kind of pty -> file):       ${rate(p)} MiB/s, cat CPU ${median(catCpu).toFixed(2)} s`);
  console.log(`  ratio daemon/cat: ${(p / l).toFixed(2)} (median of per-round ratios ${median(ratios).toFixed(2)}; target >= 0.80)`);
  console.log(`  cat (source file -> file, no pty):    ${rate(median(catFile))} MiB/s`);
  const show = (xs: number[]): string => xs.length === 0 ? 'none (BENCH_LOG_STATUS=0)' : `${xs.length} answers, median ${median(xs).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`  initctl status of another job, no flood:     ${show(idleStatus)}`);
  console.log(`  initctl status of another job, during the daemon's floods: ${show(allStatus)} (target: within 50 ms)`);
  console.log(`  initctl status of another job, during cat's floods:      ${show(catStatus)}`);
  console.log(`  the daemon's answer to a status request on an open connection, during floods: ${show(allAnswers)}`);
  client.close();
} finally {
  daemon.kill('SIGTERM');
  await exited(daemon);
  rmSync(dir, { recursive: true, force: true });
}
