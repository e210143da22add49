// bench/reexec: downtime of `initctl reexec` with 1,000 running jobs (to the first answered request and to a full list), RSS before and after, and what the jobs must not notice.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const JOBS = Number(process.env.BENCH_REEXEC_JOBS ?? 1000);
const ROUNDS = Number(process.env.BENCH_REEXEC_ROUNDS ?? 20);
const MID = 20;
const dir = mkdtempSync(join(tmpdir(), 'bench-reexec-'));
const conf = join(dir, 'conf');
const logdir = join(dir, 'log');
const sock = join(dir, 'control.sock');
mkdirSync(conf);
mkdirSync(logdir);
for (let i = 0; i < JOBS; i++) writeFileSync(join(conf, `j${i}.conf`), 'start on startup\nexec sleep 3600\n');
// Mid-transition at every re-exec: half in a 3 s pre-start, half stopping on a 3 s kill timeout.
for (let i = 0; i < MID / 2; i++) writeFileSync(join(conf, `pre${i}.conf`), 'pre-start exec sleep 3\nexec sleep 3600\n');
for (let i = 0; i < MID / 2; i++) writeFileSync(join(conf, `kt${i}.conf`), "kill timeout 3\nscript\n  trap '' TERM\n  exec sleep 3600\nend script\n");
writeFileSync(join(conf, 'counter.conf'), 'start on startup\nscript\n  i=0\n  while true; do echo "$i"; i=$((i+1)); sleep 0.01; done\nend script\n');
writeFileSync(join(conf, 'triple.conf'), 'start on (ev-a and ev-b and ev-c)\nexec sleep 3600\n');

const initctl = join(root, 'bin/initctl');
const env = { ...process.env, UPSTART_SESSION: `unix:path=${sock}` };
const ctl = (...args: string[]): { code: number; out: string } => {
  const r = spawnSync(initctl, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? 1, out: r.stdout + r.stderr };
};
const cpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in clock ticks of 10 ms
};
const loadAvg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pidsOf = (list: string): string => list.split('\n').filter((l) => /^j\d+ /.test(l)).sort().join('\n');

const daemon = spawn(process.execPath, [join(root, 'bin/upstart'), '--user', '--confdir', conf, '--logdir', logdir, '--socket', sock], { stdio: ['ignore', 'ignore', 'pipe'] });
let err = '';
daemon.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
try {
  const t0 = performance.now();
  for (;;) {
    const l = ctl('list');
    if (l.code === 0 && (l.out.match(/start\/running/g) ?? []).length >= JOBS + 1) break;
    if (performance.now() - t0 > 300_000) throw new Error(`the jobs did not all start: ${err.slice(-2000)}`);
    await sleepMs(200);
  }
  ctl('emit', 'ev-a');
  ctl('emit', 'ev-b');
  const before = pidsOf(ctl('list').out);
  const rssBefore = rssMb(daemon.pid!);
  // The floor of the same run: a bare node start (the new image is a node start, plus its state).
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - t);
  }
  const first: number[] = [];
  const full: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  const late: string[] = [];
  const loads: string[] = [loadAvg()];
  for (let round = 0; round < ROUNDS; round++) {
    // Put the 20 mid-transition jobs where the re-exec must catch them.
    for (let i = 0; i < MID / 2; i++) ctl('start', '--no-wait', `pre${i}`);
    for (let i = 0; i < MID / 2; i++) ctl('start', `kt${i}`);
    for (let i = 0; i < MID / 2; i++) ctl('stop', '--no-wait', `kt${i}`);
    const c0 = cpuMs(daemon.pid!);
    const s = performance.now();
    const r = ctl('reexec');
    if (r.code !== 0) throw new Error(`reexec: ${r.out}`);
    // The first answered request (status of one job), then the whole list.
    for (;;) {
      if (ctl('status', 'j0').code === 0) break;
    }
    first.push(performance.now() - s);
    const l = ctl('list');
    full.push(performance.now() - s);
    if (pidsOf(l.out) !== before) throw new Error(`round ${round}: the 1,000 jobs' pids changed`);
    // The same pid, re-executed: its command line now carries the state fd.
    if (!readFileSync(`/proc/${daemon.pid!}/cmdline`, 'utf8').includes('--state-fd=')) throw new Error(`round ${round}: pid ${daemon.pid!} is not the re-executed daemon`);
    rss.push(rssMb(daemon.pid!));
    // The transitions finish on time (3 s), then the next round.
    const t = performance.now();
    for (;;) {
      const out = ctl('list').out;
      if (!/pre\d+ start\/pre-start|kt\d+ stop\/killed/.test(out)) break;
      // On time: 3 s from when they were set going, plus this re-exec's downtime, plus slack for the load.
      if (performance.now() - s > 3000 + full[full.length - 1]! + 2000 && !late.some((x) => x.startsWith(`round ${round}:`))) late.push(`round ${round}: ${out.split('\n').filter((x) => /^(pre|kt)\d+ (start\/pre-start|stop\/killed)/.test(x)).join('; ')}`);
      if (performance.now() - t > 10_000) throw new Error(`round ${round}: transitions did not finish: ${out.split('\n').filter((x) => /pre|kt/.test(x)).join('; ')}`);
      await sleepMs(100);
    }
    cpu.push(cpuMs(daemon.pid!) - c0);
    loads.push(loadAvg());
  }
  ctl('emit', 'ev-c');
  await sleepMs(300);
  const tripleOk = /triple start\/running/.test(ctl('status', 'triple').out);
  await sleepMs(200);
  const lines = readFileSync(join(logdir, 'counter.log'), 'utf8').split('\n').filter((x) => x !== '').map(Number);
  const bad = lines.findIndex((n, i) => n !== i);
  const stat = (xs: number[]): string => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms, max ${s[s.length - 1]!.toFixed(0)} ms`;
  };
  console.log(`${JOBS} jobs + ${MID} mid-transition + counter + 3-event and; ${ROUNDS} re-execs in a row`);
  console.log(`  daemon pid unchanged: ${daemon.exitCode === null}; job pids unchanged every round: yes`);
  console.log(`  load average (1, 5, 15 min) at the start: ${loads[0]}; at the end: ${loads[loads.length - 1]}`);
  console.log(`  floor of this run, a bare \`node -e 0\`: ${stat(bare)}`);
  console.log(`  downtime to the first answered request: ${stat(first)}`);
  console.log(`  downtime to a full initctl list:        ${stat(full)}`);
  console.log(`  daemon CPU per round (both images; with the 20 starts and stops and a full list every 100 ms until they finish): ${stat(cpu)}`);
  console.log(`  mid-transition jobs late: ${late.length === 0 ? 'none' : late.slice(0, 3).join(' | ')}`);
  console.log(`  RSS before: ${rssBefore.toFixed(1)} MB; after each re-exec: ${stat(rss).replace(/ ms/g, ' MB')}; after the last: ${rss[rss.length - 1]!.toFixed(1)} MB`);
  console.log(`  the and job started on its third event: ${tripleOk}`);
  console.log(`  counter.log: ${lines.length} lines, ${bad < 0 ? 'no gap, no duplicate' : `wrong at line ${bad + 1}: ${lines[bad]}`}`);
} finally {
  daemon.kill('SIGTERM');
  const t = setTimeout(() => daemon.kill('SIGKILL'), 60_000);
  await new Promise((r) => daemon.once('exit', r));
  clearTimeout(t);
  rmSync(dir, { recursive: true, force: true });
}
