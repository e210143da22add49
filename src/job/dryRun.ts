// emit --dry-run: what an event would start, stop or restart, found by running a copy of the engine against simulated processes.
import type { InstanceStatus, JournalEntry } from '../model/engineApi.ts';
import { instanceKey } from '../model/instanceRef.ts';
import type { JobClassSpec } from '../model/jobClass.ts';
import { goalText } from '../model/state.ts';
import { FakeClock } from '../platform/fakeClock.ts';
import type { ProcessEvents, ProcessPort, SpawnRequest, SpawnResult } from '../process/port.ts';
import { Engine, type EngineOptions, type EngineSnapshot } from './engine.ts';

/** One instance the event would move. */
export interface DryRunChange {
  job: string;
  instance: string;
  /** start, stop, restart (stopped and started again), or start-stop (started, then stopped within the chain). */
  change: 'start' | 'stop' | 'restart' | 'start-stop';
  /** `goal/state` before, or undefined for an instance that did not exist. */
  before?: string;
  /** `goal/state` where the chain leaves it (`stop/waiting` once gone). */
  after: string;
  /** What was taken for granted to get there (a pre-start exiting 0, a daemon becoming ready). */
  assumed: string[];
  /** Where the simulation stops knowing what this instance does next (a task's exit status). */
  unknown: string[];
}

export interface EmitDryRun {
  event: { name: string; env: string[] };
  /** In the order the chain first moves them. */
  changes: DryRunChange[];
  /** Every event the chain emits, the given one first, in order. */
  events: Array<{ name: string; env: string[] }>;
  /** True when nothing stopped the simulation short (no `unknown` on any change). */
  complete: boolean;
}

/** Pids the simulation hands out: above Linux's largest pid_max, so never one of the real ones in the copy. */
const FIRST_SIM_PID = 4_194_305;

/**
 * A process port where nothing runs: spawns succeed at once; pre-start, post-start, pre-stop and
 * post-stop exit 0 (assumed); a service's main process keeps running (expect fork/daemon/stop:
 * assumed ready); a task's main process never ends (its exit status is unknown, so is what it
 * starts or stops); a signalled process dies of the signal (assumed). Exits come after spawn returns.
 */
class SimulatedPort implements ProcessPort {
  private events: ProcessEvents | undefined;
  private nextPid = FIRST_SIM_PID;
  private readonly dead = new Set<number>();
  readonly assumed = new Map<string, string[]>();
  readonly unknown = new Map<string, string[]>();

  constructor(private readonly clock: FakeClock, private readonly specOf: (job: string, instance: string) => JobClassSpec | undefined) {}

  setEvents(events: ProcessEvents): void {
    this.events = events;
  }

  private note(map: Map<string, string[]>, req: { job: string; instance: string }, text: string): void {
    const k = instanceKey(req.job, req.instance);
    const list = map.get(k) ?? [];
    if (!list.includes(text)) list.push(text);
    map.set(k, list);
  }

  spawn(req: SpawnRequest): SpawnResult {
    const pid = this.nextPid++;
    if (req.process !== 'main') {
      this.note(this.assumed, req, `its ${req.process} process exits 0`);
      this.clock.defer(() => this.events?.exited({ pid, kind: 'exited', status: 0 }));
      return { ok: true, pid };
    }
    const spec = this.specOf(req.job, req.instance);
    if (spec?.task === true) {
      this.note(this.unknown, req, 'a task: what its end starts or stops depends on its exit status');
    } else if (req.expect.kind === 'fork' || req.expect.kind === 'daemon' || req.expect.kind === 'stop') {
      this.note(this.assumed, req, `its main process becomes ready (expect ${req.expect.kind})`);
      this.clock.defer(() => this.events?.ready(pid, pid));
    } else if (req.expect.kind === 'exit') {
      this.note(this.unknown, req, `expect exit ${req.expect.count}: readiness depends on how its processes end`);
    }
    if (spec !== undefined && spec.emits.length > 0) {
      this.note(this.unknown, req, `its processes may emit ${spec.emits.join(', ')} (emits): not followed`);
    }
    return { ok: true, pid };
  }

  signal(_inst: unknown, _target: unknown, signal: string, pids: readonly number[]): void {
    for (const pid of pids) this.kill(pid, signal);
  }

  private kill(pid: number, signal: string): void {
    if (signal === 'CONT' || this.dead.has(pid)) return;
    this.dead.add(pid);
    this.clock.defer(() => this.events?.exited({ pid, kind: 'killed', signal, core: false }));
  }

  resume(): void {}
}

const text = (s: { goal: string; state: string }): string => `${s.goal}/${s.state}`;

/** Why an instance left where the chain leaves it is still on its way (beyond what the port noted). */
function pending(s: InstanceStatus, spec: JobClassSpec | undefined): string | undefined {
  switch (s.state) {
    case 'waiting':
      return undefined;
    case 'running':
      return undefined;
    case 'starting':
    case 'stopping':
      return `held in ${s.state} until what its ${s.state} event moved has settled`;
    case 'spawned':
      return spec?.expect.kind === 'event' ? 'waits for its readiness condition (expect CONDITION)' : 'waits for its main process to be ready';
    case 'killed':
      return 'waits for its main process to end';
    default:
      return s.processes.length > 0 ? `waits for its ${s.state} process, running now` : undefined;
  }
}

/**
 * What emitting NAME ENV would do, from `snapshot` (the live engine's, taken now): a copy of the
 * engine is built from it, the event emitted into the copy and every consequence drained, with
 * processes simulated. The live engine is never touched. `opts` are the live engine's options.
 */
export function simulateEmit(snapshot: EngineSnapshot, opts: EngineOptions, name: string, env: string[]): EmitDryRun {
  const clock = new FakeClock();
  const ref: { engine?: Engine } = {};
  const port = new SimulatedPort(clock, (job, instance) => ref.engine?.instanceFacts(job, instance)?.spec ?? ref.engine?.getClass(job));
  const engine = Engine.fromSnapshot({ process: port, clock, tmpfiles: () => undefined }, snapshot, opts);
  ref.engine = engine;
  const before = new Map<string, InstanceStatus>();
  for (const j of snapshot.jobs) before.set(instanceKey(j.name, j.instance), { job: j.name, instance: j.instance, goal: goalText(j.goal), state: j.state, processes: [] });
  const events: EmitDryRun['events'] = [];
  const moved = new Map<string, { job: string; instance: string; started: boolean; stopped: boolean }>();
  engine.subscribe((e: JournalEntry) => {
    if (e.kind === 'event') events.push({ name: e.name, env: [...e.env] });
    if (e.kind !== 'state') return;
    const k = instanceKey(e.job, e.instance);
    const m = moved.get(k) ?? { job: e.job, instance: e.instance, started: false, stopped: false };
    if (e.state === 'starting') m.started = true;
    if (e.goal === 'stop') m.stopped = true;
    moved.set(k, m);
  });
  void engine.emit(name, env, false).catch(() => undefined);
  clock.drain();

  const changes: DryRunChange[] = [];
  for (const [k, m] of moved) {
    let now: InstanceStatus | undefined;
    try {
      now = engine.status(m.job, m.instance)[0];
    } catch {
      now = undefined; // the class and its last instance are gone
    }
    const was = before.get(k);
    const wasUp = was !== undefined && was.goal === 'start';
    const isUp = now !== undefined && now.goal === 'start';
    let change: DryRunChange['change'] | undefined;
    if (!wasUp && isUp) change = 'start';
    else if (wasUp && !isUp) change = 'stop';
    else if (wasUp && isUp && m.stopped) change = 'restart';
    else if (!wasUp && !isUp && m.started) change = 'start-stop';
    if (change === undefined) continue;
    const spec = engine.instanceFacts(m.job, m.instance)?.spec;
    const unknown = [...(port.unknown.get(k) ?? [])];
    const p = now === undefined ? undefined : pending(now, spec);
    if (p !== undefined) unknown.push(p);
    const c: DryRunChange = { job: m.job, instance: m.instance, change, after: now === undefined ? 'stop/waiting' : text(now), assumed: [...(port.assumed.get(k) ?? [])], unknown };
    if (was !== undefined) c.before = text(was);
    changes.push(c);
  }
  return { event: { name, env: [...env] }, changes, events, complete: changes.every((c) => c.unknown.length === 0) };
}
