// bench log: 256 MiB from a job's stdout through a pty into JobLogger, against `cat` copying the same bytes to a file.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, unlinkSync, writeFileSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { JobLogger } from '../../src/log/jobLogger.ts';
import { openpty } from '../../src/process/native.ts';

const SIZE = Number(process.env.BENCH_LOG_BYTES ?? 256 * 1024 * 1024);
const ROUNDS = Number(process.env.BENCH_LOG_ROUNDS ?? 3);
const MiB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'bench-log-'));
const src = join(dir, 'source.bin');
// Random bytes (1 MiB repeated) so nothing on the path can shortcut zeros.
const block = randomBytes(MiB);
const fd = openSync(src, 'w');
for (let n = 0; n < SIZE; n += MiB) writeFileSync(fd, block.subarray(0, Math.min(MiB, SIZE - n)));
closeSync(fd);

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/** The writer `cat source` on a raw pty's slave; returns the master and the writer's exit. */
function ptyWriter(): { master: number; done: Promise<number | null> } {
  const pty = openpty({ raw: true });
  const child = spawn('cat', [src], { stdio: ['ignore', pty.slave, pty.slave] });
  closeSync(pty.slave);
  return { master: pty.master, done: exited(child) };
}

async function viaLogger(): Promise<{ seconds: number; maxLoopDelayMs: number; p99LoopDelayMs: number }> {
  const logDir = join(dir, 'log');
  rmSync(logDir, { recursive: true, force: true });
  const logger = new JobLogger({ logDir: dir });
  const h = monitorEventLoopDelay({ resolution: 5 });
  const t0 = performance.now();
  h.enable();
  const w = ptyWriter();
  const attached = logger.attach({ job: 'flood', instance: '' }, w.master);
  await w.done;
  await attached;
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  await logger.close();
  const size = statSync(join(dir, 'flood.log')).size;
  if (size !== SIZE) throw new Error(`log has ${size} bytes, want ${SIZE}`);
  unlinkSync(join(dir, 'flood.log'));
  return { seconds, maxLoopDelayMs: h.max / 1e6, p99LoopDelayMs: h.percentile(99) / 1e6 };
}

/** `cat` reading the pty master (the same channel the logger reads) into a file. */
async function catFromPty(): Promise<number> {
  const out = join(dir, 'cat-pty.out');
  const outFd = openSync(out, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o640);
  const t0 = performance.now();
  const w = ptyWriter();
  const cat = spawn('cat', [], { stdio: [w.master, outFd, 'ignore'] });
  closeSync(w.master);
  closeSync(outFd);
  await Promise.all([w.done, exited(cat)]); // cat ends with EIO (status 1) once the writer is gone
  const seconds = (performance.now() - t0) / 1000;
  const size = statSync(out).size;
  if (size !== SIZE) throw new Error(`cat from pty wrote ${size} bytes, want ${SIZE}`);
  unlinkSync(out);
  return seconds;
}

/** `cat source > file`: no pty at all, the file-to-file ceiling. */
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

try {
  const logger: number[] = [];
  const catPty: number[] = [];
  const catFile: number[] = [];
  const maxDelay: number[] = [];
  const p99Delay: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so neither side always runs on a warmer page cache.
    const order = r % 2 === 0 ? ['logger', 'pty', 'file'] : ['file', 'pty', 'logger'];
    for (const which of order) {
      if (which === 'logger') {
        const x = await viaLogger();
        logger.push(x.seconds);
        maxDelay.push(x.maxLoopDelayMs);
        p99Delay.push(x.p99LoopDelayMs);
      } else if (which === 'pty') catPty.push(await catFromPty());
      else catFile.push(await catFileToFile());
    }
    ratios.push(catPty[r]! / logger[r]!);
    console.log(`round ${r + 1}: logger ${rate(logger[r]!)} MiB/s, cat from pty ${rate(catPty[r]!)} MiB/s (ratio ${ratios[r]!.toFixed(2)}), cat file to file ${rate(catFile[r]!)} MiB/s, event loop delay max ${maxDelay[r]!.toFixed(1)} ms`);
  }
  const l = median(logger);
  const p = median(catPty);
  const f = median(catFile);
  console.log(`bytes: ${SIZE} (${SIZE / MiB} MiB), rounds: ${ROUNDS}, medians:`);
  console.log(`  JobLogger (pty -> LOGDIR/flood.log):  ${rate(l)} MiB/s`);
  console.log(`  cat (same pty -> file):              ${rate(p)} MiB/s   ratio logger/cat ${(p / l).toFixed(2)} (median of per-round ratios ${median(ratios).toFixed(2)})`);
  console.log(`  cat (source file -> file, no pty):   ${rate(f)} MiB/s   ratio logger/cat ${(f / l).toFixed(2)}`);
  console.log(`  event loop delay during the flood: p99 ${median(p99Delay).toFixed(1)} ms, max ${median(maxDelay).toFixed(1)} ms (median over rounds)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
