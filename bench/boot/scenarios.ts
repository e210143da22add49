// bench/boot scenarios: each runs the real daemon and the matching C baseline in the same run and returns both figures.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, writeJobs, INITCTL, ROOT, UPSTART, rssKiB, type BenchDaemon } from './daemon.ts';
import { baselineCgroups } from './cgroupBaseline.ts';

export interface Figure {
  name: string;
  unit: string;
  ours: number;
  baseline: number;
  baselineName: string;
  /** Extra comparisons printed next to the figure (e.g. Node's floor, Upstart's 3 ms). */
  also?: Record<string, number>;
  note?: string;
}

export interface Ctx {
  /** The compiled bench/boot/baseline.c. */
  baseline: string;
  rounds: number;
  idleSeconds: number;
  /** node flags for the profiled daemons (undefined: not profiled). */
  profileDir?: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Runs the C baseline; its one line of output is microseconds (or as documented for its mode). */
export function c(ctx: Ctx, args: string[], env?: Record<string, string>): string {
  return execFileSync(ctx.baseline, args, { encoding: 'utf8', env: env ?? process.env }).trim();
}
const cMs = (ctx: Ctx, args: string[], env?: Record<string, string>): number => Number(c(ctx, args, env)) / 1000;

const nodeArgs = (ctx: Ctx, tag: string): string[] | undefined =>
  ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`, `--cpu-prof-name=${tag}.cpuprofile`] : undefined;

type Arm = (round: number) => Promise<number> | number;

/**
 * Runs every arm once per round, in turn, and returns each arm's median: the daemon and its C
 * baselines see the same machine (on this VM its speed drifts by a third over minutes, and a run
 * of one arm after the other put that drift into the ratio).
 */
async function interleaved(ctx: Ctx, arms: Record<string, Arm>): Promise<Record<string, number>> {
  const got: Record<string, number[]> = {};
  for (let r = 0; r < ctx.rounds; r++) {
    for (const [k, arm] of Object.entries(arms)) (got[k] ??= []).push(await arm(r));
  }
  return Object.fromEntries(Object.entries(got).map(([k, xs]) => [k, median(xs)]));
}

/**
 * Runs fn with the C baseline's cgroup directory (a pty and a cgroup of its own per child, as the
 * daemon gives each job as root), or without it (the reason logged) where cgroups cannot be made
 * (not root, no cgroup v2): then the daemon makes none either.
 */
async function withBaselineCgroups<T>(mode: string, fn: (dir: string | undefined) => Promise<T>): Promise<T> {
  const cg = baselineCgroups();
  if ('why' in cg) {
    console.error(`bench boot: no 'C with a pty and a cgroup each' for ${mode}: ${cg.why}`);
    return fn(undefined);
  }
  try {
    return await fn(cg.dir);
  } finally {
    cg.remove();
  }
}

/** The C arms of the fan-out and the tasks: plain, with a pty each, and (where it can) with a pty and a cgroup each. */
function cArms(ctx: Ctx, mode: 'fanout' | 'tasks', n: number, cgDir: string | undefined): Record<string, Arm> {
  const arms: Record<string, Arm> = {
    c: () => cMs(ctx, [mode, String(n)]),
    cPty: () => cMs(ctx, [mode, String(n), 'pty']),
  };
  if (cgDir !== undefined) arms.cPtyCgroup = () => cMs(ctx, [mode, String(n), 'pty', cgDir]);
  return arms;
}

/** The extra figures of the fan-out and the tasks, leaving out what was not measured. */
function cAlso(m: Record<string, number>, ptyName: string): Record<string, number> {
  const also: Record<string, number> = { [ptyName]: m.cPty! };
  if (m.cPtyCgroup !== undefined) also['C with a pty and a cgroup each'] = m.cPtyCgroup;
  also['ours with --no-cgroups'] = m.noCgroups!;
  return also;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function rounds(ctx: Ctx, fn: (round: number) => Promise<number>): Promise<number> {
  const out: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) out.push(await fn(r));
  return median(out);
}

function countRunning(list: string): number {
  return list.split('\n').filter((l) => l.includes(' start/running')).length;
}

export async function fanout(ctx: Ctx, n = 200): Promise<Figure> {
  const jobs = Object.fromEntries(range(n).map((i) => [`svc${i}`, 'start on startup\nexec sleep 3600\n']));
  const once = (args: string[]): Arm => async (r) => {
    const d = await startDaemon(jobs, { args: ['--no-startup-event', ...args], nodeArgs: r === 0 && args.length === 0 ? nodeArgs(ctx, 'fanout') : undefined });
    try {
      // `initctl emit` waits until every service the event starts is running.
      const { ms } = await d.initctl(['emit', 'startup']);
      const running = countRunning((await d.initctl(['list'])).stdout);
      if (running !== n) throw new Error(`fanout: ${running} of ${n} running`);
      return ms;
    } finally {
      await d.stop();
    }
  };
  // As root the daemon gives each instance a cgroup (DESIGN §3.5): the same fan-out without them shows what that costs.
  const m = await withBaselineCgroups('fanout', (dir) => interleaved(ctx, { ours: once([]), noCgroups: once(['--no-cgroups']), ...cArms(ctx, 'fanout', n, dir) }));
  return {
    name: `fan-out: ${n} services on startup, until all running`, unit: 'ms', ours: m.ours!, baseline: m.c!, baselineName: 'C fork+exec',
    also: cAlso(m, 'C fork+exec with a pty each'),
  };
}

export async function chain(ctx: Ctx, n = 200): Promise<Figure> {
  const jobs = Object.fromEntries(range(n).map((i) => [`c${i}`, `start on ${i === 0 ? 'startup' : `started c${i - 1}`}\nexec sleep 3600\n`]));
  const last = `c${n - 1}`;
  const ours = await rounds(ctx, async () => {
    const d = await startDaemon(jobs, { args: ['--no-startup-event'], follow: true });
    try {
      const done = d.waitFor((e) => e.kind === 'state' && e.job === last && e.state === 'running');
      const t0 = performance.now();
      await d.initctl(['emit', '--no-wait', 'startup']);
      return (await done) - t0;
    } finally {
      await d.stop();
    }
  });
  const baseline = median(range(ctx.rounds).map(() => cMs(ctx, ['chain', String(n)])));
  return { name: `chain: ${n} jobs, each on started of the one before`, unit: 'ms', ours, baseline, baselineName: 'C fork+exec, one after another' };
}

export async function tasks(ctx: Ctx, n = 500): Promise<Figure> {
  const jobs = Object.fromEntries(range(n).map((i) => [`t${i}`, 'task\nstart on go\nexec true\n']));
  const once = (args: string[]): Arm => async (r) => {
    const d = await startDaemon(jobs, { args, nodeArgs: r === 0 && args.length === 0 ? nodeArgs(ctx, 'tasks') : undefined });
    try {
      return (await d.initctl(['emit', 'go'])).ms;
    } finally {
      await d.stop();
    }
  };
  // Each task's cgroup is made and removed (as root): the same run without them shows what that costs.
  const m = await withBaselineCgroups('tasks', (dir) => interleaved(ctx, { ours: once([]), noCgroups: once(['--no-cgroups']), ...cArms(ctx, 'tasks', n, dir) }));
  return {
    name: `tasks: ${n} \`exec true\` on one event, until \`initctl emit\` returns`, unit: 'ms', ours: m.ours!, baseline: m.c!, baselineName: 'C fork+exec+wait',
    also: cAlso(m, 'C with a pty each'),
  };
}

export async function respawn(ctx: Ctx, n = 20): Promise<Figure> {
  const d = await startDaemon({ r: 'respawn\nrespawn limit unlimited\nexec sleep 3600\n' }, { follow: true });
  const times: number[] = [];
  try {
    const pidOf = async (): Promise<number> => Number(/process (\d+)/.exec((await d.initctl(['status', 'r'])).stdout)?.[1]);
    await d.initctl(['start', 'r']);
    for (let i = 0; i < n; i++) {
      const pid = await pidOf();
      // The new process's spawn entry first: an entry still in flight from before the kill (the start's own
      // `running`) must not count as the respawn.
      let spawned = false;
      const back = d.waitFor((e) => {
        if (e.kind === 'spawn' && e.job === 'r' && e.pid !== pid) spawned = true;
        return spawned && e.kind === 'state' && e.job === 'r' && e.state === 'running';
      });
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      times.push((await back) - t0);
      if ((await pidOf()) === pid) throw new Error('respawn: same pid after respawn');
    }
  } finally {
    await d.stop();
  }
  return { name: 'respawn: SIGKILL a service, until its new process runs (median of 20)', unit: 'ms', ours: median(times), baseline: cMs(ctx, ['respawn', String(n)]), baselineName: 'C kill+waitpid+fork+exec' };
}

function idleJobs(n: number): Record<string, string> {
  // Job classes of the usual shape: description, conditions, env, a pre-start script, the main process.
  return Object.fromEntries(range(n).map((i) => [`idle/j${i}`, [
    `description "idle job ${i}"`,
    `start on (started dep${i % 50} and net-device-up IFACE=eth${i % 4}) or manual-${i}`,
    `stop on stopping dep${i % 50} or runlevel [!2345]`,
    `env LEVEL=${i}`,
    'respawn',
    'pre-start script',
    `  mkdir -p /tmp/never-${i}`,
    'end script',
    `exec sleep ${1000 + i}`,
    '',
  ].join('\n')]));
}

/** The RSS of `node -e` that only waits: Node's own floor. */
function nodeFloorRssKiB(): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000); process.stdout.write("up\\n")'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout!.once('data', () => setTimeout(() => { const r = rssKiB(p.pid!); p.kill(); resolve(r); }, 1000));
  });
}

const SETTLED = 'ours 12 s later (after V8\'s memory reducer)';

/**
 * The same daemon's RSS 12 s after the first reading: V8's memory reducer collects the burst's garbage some 6-8 s after
 * it (one GC, the first idle window's CPU); the 1.5 s figure still holds that garbage.
 */
async function settledRss(d: BenchDaemon): Promise<number> {
  await new Promise((r) => setTimeout(r, 12_000));
  return d.rssKiB() / 1024;
}

export async function rss(ctx: Ctx, classes: number): Promise<Figure> {
  const d = await startDaemon(classes === 0 ? {} : idleJobs(classes));
  let ours: number;
  let settled: number;
  try {
    if (classes > 0) {
      const loaded = (await d.initctl(['list'])).stdout.split('\n').filter(Boolean).length;
      if (loaded !== classes) throw new Error(`rss: ${loaded} of ${classes} classes loaded`);
    }
    await new Promise((r) => setTimeout(r, 1500));
    ours = d.rssKiB() / 1024;
    settled = await settledRss(d);
  } finally {
    await d.stop();
  }
  const cRss = Number(c(ctx, ['idle', '0', '1']).split(' ')[1]) / 1024;
  return { name: `daemon RSS idle, ${classes} job classes`, unit: 'MiB', ours, baseline: cRss, baselineName: 'C process idle', also: { 'node -e (waiting)': (await nodeFloorRssKiB()) / 1024, [SETTLED]: settled } };
}

/** RSS with N services running (each `exec sleep`, console log: a pty and a log pump each), against an idle C process. */
export async function rssRunning(ctx: Ctx, n = 200): Promise<Figure> {
  const jobs = Object.fromEntries(range(n).map((i) => [`svc${i}`, 'start on startup\nexec sleep 3600\n']));
  const d = await startDaemon(jobs, { args: ['--no-startup-event'] });
  let ours: number;
  let settled: number;
  try {
    await d.initctl(['emit', 'startup']);
    const running = countRunning((await d.initctl(['list'])).stdout);
    if (running !== n) throw new Error(`rssRunning: ${running} of ${n} running`);
    await new Promise((r) => setTimeout(r, 1500));
    ours = d.rssKiB() / 1024;
    settled = await settledRss(d);
  } finally {
    await d.stop();
  }
  const cRss = Number(c(ctx, ['idle', '0', '1']).split(' ')[1]) / 1024;
  return { name: `daemon RSS, ${n} services running`, unit: 'MiB', ours, baseline: cRss, baselineName: 'C process idle', also: { 'node -e (waiting)': (await nodeFloorRssKiB()) / 1024, [SETTLED]: settled } };
}

/** CPU over idleSeconds with 200 services running, scaled to 30 s; plus the status round trip against the same daemon. */
export async function idleAndStatus(ctx: Ctx, n = 200): Promise<Figure[]> {
  const jobs = Object.fromEntries(range(n).map((i) => [`svc${i}`, 'start on startup\nexec sleep 3600\n']));
  const d: BenchDaemon = await startDaemon(jobs, { args: ['--no-startup-event'] });
  let cpu: number;
  let cpuNext: number;
  let status: number;
  let trueMs: number;
  try {
    await d.initctl(['emit', 'startup']);
    await new Promise((r) => setTimeout(r, 1000));
    const c0 = d.cpuMs();
    await new Promise((r) => setTimeout(r, ctx.idleSeconds * 1000));
    const c1 = d.cpuMs();
    cpu = ((c1 - c0) * 30) / ctx.idleSeconds;
    // The window after: what the first one had of the start's tail (V8's memory-reducing GC some seconds after a burst) is over.
    await new Promise((r) => setTimeout(r, ctx.idleSeconds * 1000));
    cpuNext = ((d.cpuMs() - c1) * 30) / ctx.idleSeconds;
    // The round trip: the C baseline program fork/exec/waits the C initctl in a loop (no Node in the timing).
    status = cMs(ctx, ['run', '300', INITCTL, 'status', 'svc7'], d.env);
    trueMs = cMs(ctx, ['run', '300', 'true']);
  } finally {
    await d.stop();
  }
  const [cIdleUs] = c(ctx, ['idle', String(n), String(ctx.idleSeconds)]).split(' ');
  return [
    { name: `daemon CPU over 30 s idle, ${n} services (${ctx.idleSeconds} s measured, scaled)`, unit: 'ms', ours: cpu, baseline: (Number(cIdleUs) / 1000) * 30 / ctx.idleSeconds, baselineName: 'C parent blocked in wait', also: { 'ours, the next window': cpuNext }, note: 'clock-tick resolution: 10 ms' },
    { name: '`initctl status JOB` round trip (C initctl, 200 services loaded)', unit: 'ms', ours: status, baseline: trueMs, baselineName: 'fork+exec+wait of true', also: { "Upstart's initctl": 3 } },
  ];
}

/** Median ms from exec of `file args` (an init) to its first job's process running; the C baseline runs and times it. */
async function timeToFirstJob(ctx: Ctx, file: string, args: string[], runs: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-bench-start-'));
  const stampFile = join(dir, 'stamp');
  const conf = join(dir, 'conf');
  writeJobs(conf, { first: `start on startup\nconsole none\nexec ${ctx.baseline} stamp ${stampFile}\n` });
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const init = [file, ...args, '--user', '--confdir', conf, '--logdir', join(dir, 'log'), '--socket', join(dir, `s${i}.sock`)];
      times.push(cMs(ctx, ['firstjob', stampFile, ...init]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return median(times);
}

/** From exec of bin/upstart to its first job process running, against a C init, Node's floor and the unbundled build. */
export async function startup(ctx: Ctx, runs = 10): Promise<Figure> {
  // The tsc output without the bundle, as bin/upstart ran it before dist/bundle existed.
  const dir = mkdtempSync(join(tmpdir(), 'upstart-bench-unbundled-'));
  const unbundled = join(dir, 'unbundled.mjs');
  writeFileSync(unbundled, `import(${JSON.stringify(join(ROOT, 'dist/main.js'))}).then((m) => m.main(process.argv.slice(2)));\n`);
  let ours: number;
  let before: number;
  try {
    ours = await timeToFirstJob(ctx, UPSTART, [], runs);
    before = await timeToFirstJob(ctx, process.execPath, [unbundled], runs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A C init: exec of a C program that fork/execs its first job.
  const cInit = cMs(ctx, ['run', '50', ctx.baseline, 'run', '1', ctx.baseline, 'stamp', '/dev/null']);
  const nodeE0 = cMs(ctx, ['run', '20', process.execPath, '-e', '0']);
  const version = cMs(ctx, ['run', '20', UPSTART, '--version']);
  return {
    name: `exec of bin/upstart to its first job process running (median of ${runs})`, unit: 'ms', ours, baseline: cInit,
    baselineName: 'C init: exec + fork/exec of the job',
    also: { "node -e 0 (Node's floor)": nodeE0, 'bin/upstart --version': version, 'unbundled dist/main.js, same measure': before },
  };
}
