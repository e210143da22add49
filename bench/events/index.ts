// bench events: 10,000 events through 1,000 job classes with varied conditions (events/s, µs per condition).
import { buildCondition, evaluate, resetLatched, updateWithEvent } from '../../src/events/conditionState.ts';
import type { EventRecord } from '../../src/events/event.ts';
import { Engine } from '../../src/job/engine.ts';
import type { Condition } from '../../src/model/condition.ts';
import { defaultJobClass, type JobClassSpec } from '../../src/model/jobClass.ts';
import { FakeClock } from '../../src/platform/fakeClock.ts';
import type { ProcessEvents, ProcessPort, SpawnRequest, SpawnResult } from '../../src/process/port.ts';

const CLASSES = 1000;
const EVENTS = 10_000;
const NAMES = 200;

/** Deterministic PRNG (mulberry32) so every run sees the same workload. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A port whose task processes end as soon as they start (the engine queues the exit). */
class InstantPort implements ProcessPort {
  events?: ProcessEvents;
  spawns = 0;
  private pid = 100;
  constructor(private readonly tasks: Set<string>) {}
  spawn(req: SpawnRequest): SpawnResult {
    const pid = this.pid++;
    this.spawns++;
    if (this.tasks.has(req.job) || req.process !== 'main') queueMicrotask(() => this.events!.exited({ pid, kind: 'exited', status: 0 }));
    return { ok: true, pid };
  }
  signal(_inst: unknown, _target: unknown, _signal: string, pids: readonly number[]): void {
    for (const pid of pids) queueMicrotask(() => this.events!.exited({ pid, kind: 'killed', signal: 'TERM', core: false }));
  }
  resume(): void {}
  setEvents(e: ProcessEvents): void {
    this.events = e;
  }
}

function leaf(name: string, ...args: Array<[string | undefined, string, boolean?]>): Condition {
  return { kind: 'event', name, args: args.map(([key, value, negate]) => (key === undefined ? { value } : { key, value, negate: negate ?? false })) };
}

function buildClasses(r: () => number): JobClassSpec[] {
  const out: JobClassSpec[] = [];
  const ev = (): string => `ev-${Math.floor(r() * NAMES)}`;
  for (let i = 0; i < CLASSES; i++) {
    const spec = defaultJobClass(`job-${i}`);
    spec.task = i % 2 === 0;
    spec.process.main = { kind: 'exec', command: `/usr/bin/job-${i}`, line: 1 };
    const other = `job-${Math.floor(r() * i)}`;
    switch (i % 6) {
      case 0: spec.start = leaf(ev()); break;
      case 1: spec.start = { kind: 'and', left: leaf(ev()), right: leaf(ev(), ['K', `v${i % 7}*`]) }; break;
      case 2: spec.start = { kind: 'or', left: leaf(ev(), ['K', 'v1', true]), right: leaf(ev()) }; break;
      case 3: spec.start = i > 0 ? { kind: 'and', left: leaf('started', [undefined, other]), right: leaf(ev()) } : leaf(ev()); break;
      case 4: spec.start = { kind: 'or', left: leaf('stopped', [undefined, other], ['RESULT', 'ok']), right: { kind: 'and', left: leaf(ev()), right: leaf(ev()) } }; break;
      case 5: spec.start = leaf(ev(), [undefined, `v${i % 3}`]); spec.stop = leaf(ev()); break;
    }
    out.push(spec);
  }
  return out;
}

/** `live` instances of a service are started first and stay running through the timed events. */
async function run(legacy: boolean, live = 0): Promise<void> {
  const r = rng(42);
  const classes = buildClasses(r);
  if (live > 0) {
    const w = defaultJobClass('worker');
    w.instance = '$N';
    w.process.main = { kind: 'exec', command: '/usr/bin/worker', line: 1 };
    w.start = leaf('spawn-worker');
    w.stop = leaf('stop-worker', ['N', '$N']);
    classes.push(w);
  }
  const tasks = new Set(classes.filter((c) => c.task).map((c) => c.name));
  const clock = new FakeClock();
  const port = new InstantPort(tasks);
  const engine = new Engine({ process: port, clock }, { legacyConditions: legacy });
  for (const c of classes) engine.addOrReplaceClass(c);
  let handled = 0;
  for (let i = 0; i < live; i++) void engine.emit('spawn-worker', [`N=${i}`], false);
  clock.drain();
  await Promise.resolve();
  clock.drain();
  if (live > 0 && engine.status('worker').length !== live) throw new Error(`bench: ${engine.status('worker').length} workers running, wanted ${live}`);
  const evals0 = engine.conditionEvaluations;
  engine.subscribe((e) => { if (e.kind === 'event') handled++; });
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    void engine.emit(`ev-${Math.floor(r() * NAMES)}`, [`K=v${i % 7}`, `N=${i}`], false);
    clock.drain();
    await Promise.resolve(); // let the port's exits in
    clock.drain();
  }
  const ms = performance.now() - t0;
  const evals = engine.conditionEvaluations - evals0;
  console.log(
    `${legacy ? 'legacy ' : 'default'}${live > 0 ? ` with ${live} live instances` : ''}: ${EVENTS} emitted + ${handled - EVENTS} job events in ${ms.toFixed(0)} ms; ` +
      `${Math.round((EVENTS / ms) * 1000)} emitted events/s, ${Math.round((handled / ms) * 1000)} events/s handled; ` +
      `${evals} conditions evaluated, ${((ms * 1000) / evals).toFixed(2)} µs per condition (whole engine time / evaluations); ` +
      `${port.spawns} processes spawned`,
  );
}

/** Conditions alone: every one of the 1,000 start conditions updated and evaluated for every event. */
function conditionsOnly(): void {
  const r = rng(7);
  const classes = buildClasses(r);
  const reg = {};
  const conds = classes.map((c) => buildCondition(c.start!, () => undefined, 'default', reg));
  const n = 2000;
  const t0 = performance.now();
  let fired = 0;
  for (let i = 0; i < n; i++) {
    const ev: EventRecord = { id: i, name: `ev-${Math.floor(r() * NAMES)}`, env: [`K=v${i % 7}`, `N=${i}`], progress: 'handling', blockers: 0, failed: false, at: 0 };
    for (const c of conds) {
      const u = updateWithEvent(c, ev, reg, "default", 0);
      if (u.changed && evaluate(c) && !c.value) {
        fired++;
        resetLatched(c, 0);
      }
      c.value = evaluate(c);
    }
  }
  const ms = performance.now() - t0;
  const evals = n * conds.length;
  console.log(`conditions only: ${evals} condition updates+evaluations in ${ms.toFixed(0)} ms, ${((ms * 1000) / evals).toFixed(3)} µs per condition; ${fired} firings`);
}

/**
 * The engine alone in a burst, as the daemon's `tasks` scenario (bench/boot) gives it: 500 tasks on one
 * event, each spawned on a port whose processes exit at once, six rounds of fresh classes (the first on
 * cold code). Run alone (BENCH_EVENTS_ONLY=burst) with bin/upstart's V8 flags, so the figure is what the
 * engine's share of the daemon's JS thread can be (docs/performance.md, ninth session).
 */
async function burst(n = 500, rounds = 6): Promise<void> {
  const clock = new FakeClock();
  const tasks = new Set<string>();
  const port = new InstantPort(tasks);
  const engine = new Engine({ process: port, clock }, {});
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const spec = defaultJobClass(`t${r}-${i}`);
      spec.task = true;
      spec.process.main = { kind: 'exec', command: '/bin/true', line: 1 };
      spec.start = leaf(`go${r}`);
      tasks.add(spec.name);
      engine.addOrReplaceClass(spec);
    }
  }
  const per: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = port.spawns;
    const t0 = performance.now();
    void engine.emit(`go${r}`, [], false);
    while (port.spawns - before < n || engine.status(`t${r}-${n - 1}`).some((j) => j.state !== 'waiting')) {
      clock.drain();
      await Promise.resolve();
    }
    clock.drain();
    per.push(((performance.now() - t0) * 1000 / n).toFixed(0));
  }
  console.log(`burst: ${n} tasks on one event, µs per task (spawn to stopped) by round: ${per.join(', ')} (round 1 on cold code)`);
}

const which = process.env.BENCH_EVENTS_ONLY;
if (which === 'burst') {
  (await import('node:v8')).setFlagsFromString('--optimize-for-size --max-opt=1');
  await burst();
}
if (which === undefined || which === 'default') await run(false);
if (which === undefined || which === 'legacy') await run(true);
if (which === undefined || which === 'live') await run(false, 5000);
if (which === undefined || which === 'conditions') conditionsOnly();
