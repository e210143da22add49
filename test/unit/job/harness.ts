// Test harness for the engine: a fake ProcessPort, conditions through the real parser, and a driver over FakeClock.
import { Engine, type EngineDeps, type EngineOptions, type EngineSnapshot } from '../../../src/job/engine.ts';
import { parseJob } from '../../../src/config/parser.ts';
import type { Condition } from '../../../src/model/condition.ts';
import type { JournalEntry } from '../../../src/model/engineApi.ts';
import { defaultJobClass, type JobClassSpec, type ProcessName } from '../../../src/model/jobClass.ts';
import { FakeClock } from '../../../src/platform/fakeClock.ts';
import type { InstanceRef, KillTarget, ProcessEvents, ProcessPort, SpawnFailure, SpawnRequest, SpawnResult } from '../../../src/process/port.ts';

export interface Spawned {
  req: SpawnRequest;
  pid: number;
  /** What spawn returned: the pid, or a provisional id (provisionalIds) until confirmed. */
  id: number;
  alive: boolean;
}

/** Records spawns and signals; the test decides when processes exit. */
export class FakeProcessPort implements ProcessPort {
  events?: ProcessEvents;
  spawns: Spawned[] = [];
  kills: Array<{ pid: number; signal: string; group: boolean }> = [];
  resumed: number[] = [];
  /** argv[0] (or `job:process`) → failure to return instead of a pid. */
  failures = new Map<string, { stage: string; errno: number; code: string; message: string }>();
  private nextPid = 1000;

  /** Carries on numbering pids where another port left off (a restored engine's port). */
  adoptPids(other: FakeProcessPort): void {
    this.nextPid = other.nextPid;
  }

  /** Like the native port's spawnStart path: requests with execLater return pending; the test confirms each with confirm(). */
  pendingExec = false;
  /** With pendingExec: spawn returns a provisional id (minus the pid, as the native port's tickets), confirm() gives the pid. */
  provisionalIds = false;
  /** Pending spawns: pid → the failure the exec will report (undefined: it exec'd). */
  readonly unconfirmed = new Map<number, SpawnFailure | undefined>();

  spawn(req: SpawnRequest): SpawnResult {
    const f = this.failures.get(`${req.job}:${req.process}`) ?? this.failures.get(req.argv[0] ?? '');
    const later = this.pendingExec && req.execLater === true;
    if (f && !later) return { ok: false, ...f };
    const pid = this.nextPid++;
    const id = later && this.provisionalIds ? -pid : pid;
    this.spawns.push({ req, pid, id, alive: true });
    if (!later) return { ok: true, pid };
    this.unconfirmed.set(pid, f);
    return { ok: true, pid: id, pending: true };
  }

  /** The outcome of a pending spawn, as the native port reports it (before any other event of the pid). */
  confirm(pid: number, how: { cloneFailed?: boolean } = {}): void {
    if (!this.unconfirmed.has(pid)) throw new Error(`pid ${pid} has no pending exec`);
    const f = this.unconfirmed.get(pid);
    this.unconfirmed.delete(pid);
    const s = this.spawns.find((x) => x.pid === pid)!;
    if (f !== undefined) s.alive = false;
    this.events!.execed(s.id, how.cloneFailed === true ? 0 : pid, f);
  }
  /** Every signal() call as asked; `kills` has one entry per pid (group: true for group and cgroup). */
  signals: Array<{ inst: InstanceRef; target: KillTarget; signal: string; pids: number[] }> = [];
  signal(inst: InstanceRef, target: KillTarget, signal: string, pids: readonly number[]): void {
    this.signals.push({ inst: { ...inst }, target, signal, pids: [...pids] });
    for (const pid of pids) this.kills.push({ pid, signal, group: target !== 'main' });
  }
  resume(pid: number): void {
    this.resumed.push(pid);
  }
  setEvents(events: ProcessEvents): void {
    this.events = events;
  }
}

/** Parses `started a and (B C=D or E)` with the config parser itself (as a `start on` stanza); throws on a bad condition. */
export function cond(text: string): Condition {
  const r = parseJob(`start on ${text}\n`, { file: 'harness.conf', name: 'harness' });
  if (r.spec?.start === undefined) throw new Error(`bad condition ${JSON.stringify(text)}: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.spec.start;
}

export interface ClassOpts extends Partial<Omit<JobClassSpec, 'start' | 'stop' | 'process'>> {
  start?: string;
  stop?: string;
  exec?: string;
  script?: string;
  pre?: string;
  post?: string;
  preStop?: string;
  postStop?: string;
}

/** A job class from shorthand: `start`/`stop` are condition text; exec/pre/post... are exec lines. */
export function jobClass(name: string, o: ClassOpts = {}): JobClassSpec {
  const { start, stop, exec, script, pre, post, preStop, postStop, ...rest } = o;
  const spec: JobClassSpec = { ...defaultJobClass(name), ...rest };
  if (start !== undefined) spec.start = cond(start);
  if (stop !== undefined) spec.stop = cond(stop);
  const p: JobClassSpec['process'] = {};
  if (exec !== undefined) p.main = { kind: 'exec', command: exec, line: 1 };
  if (script !== undefined) p.main = { kind: 'script', command: script, line: 1 };
  if (pre !== undefined) p['pre-start'] = { kind: 'exec', command: pre, line: 1 };
  if (post !== undefined) p['post-start'] = { kind: 'exec', command: post, line: 1 };
  if (preStop !== undefined) p['pre-stop'] = { kind: 'exec', command: preStop, line: 1 };
  if (postStop !== undefined) p['post-stop'] = { kind: 'exec', command: postStop, line: 1 };
  spec.process = { ...p, ...(rest as { process?: JobClassSpec['process'] }).process };
  return spec;
}

/** One engine under test with its fake clock and port, plus readable views of the journal. */
export class Harness {
  readonly clock = new FakeClock();
  readonly port = new FakeProcessPort();
  readonly engine: Engine;
  readonly journal: JournalEntry[] = [];
  readonly logs: string[] = [];
  tmpfilesCalls: Array<{ paths: string[]; env: string[] }> = [];

  constructor(opts: EngineOptions = {}, tmpfiles?: (paths: string[], env: string[]) => Promise<void> | void, snapshot?: EngineSnapshot, startAt = 0) {
    this.clock.advance(startAt);
    const deps: EngineDeps = {
      process: this.port,
      clock: this.clock,
      log: (level, msg) => this.logs.push(`${level}: ${msg}`),
      tmpfiles: (paths, env) => {
        this.tmpfilesCalls.push({ paths, env });
        return tmpfiles?.(paths, env);
      },
    };
    this.engine = snapshot === undefined ? new Engine(deps, opts) : Engine.fromSnapshot(deps, snapshot, opts);
    this.engine.subscribe((e) => this.journal.push(e));
  }

  /**
   * A second engine restored from this one's snapshot, as after a re-exec: a new fake clock (at
   * `startAt`: 0, as a new process's monotonic clock, by default) and a new port that knows the same
   * live processes.
   */
  restored(opts: EngineOptions = {}, startAt = 0): Harness {
    const h = new Harness(opts, undefined, this.engine.snapshot(), startAt);
    h.port.spawns = this.port.spawns.map((s) => ({ ...s }));
    h.port.adoptPids(this.port);
    return h;
  }

  add(...specs: JobClassSpec[]): this {
    for (const s of specs) this.engine.addOrReplaceClass(s);
    return this;
  }

  settle(): void {
    this.clock.drain();
  }

  emit(name: string, ...env: string[]): void {
    void this.engine.emit(name, env, false);
    this.settle();
  }

  /** `foo start/running` style summary of one job ('' instance) or `none`. */
  state(job: string, instance = ''): string {
    const s = this.engine.status(job).find((x) => x.instance === instance);
    return s === undefined ? 'stop/waiting' : `${s.goal}/${s.state}`;
  }

  /** The live pid of a job process (throws if none). */
  pid(job: string, process: ProcessName = 'main', instance = ''): number {
    const s = this.port.spawns.filter((x) => x.req.job === job && x.req.process === process && x.req.instance === instance && x.alive);
    const last = s[s.length - 1];
    if (!last) throw new Error(`no live ${process} process of ${job}`);
    return last.pid;
  }

  spawnsOf(job: string, process: ProcessName = 'main'): Spawned[] {
    return this.port.spawns.filter((x) => x.req.job === job && x.req.process === process);
  }

  /** Delivers a pending spawn's outcome and drains. */
  confirm(pid: number, how: { cloneFailed?: boolean } = {}): void {
    this.port.confirm(pid, how);
    this.settle();
  }

  /** Ends a process with an exit status and drains. */
  exit(pid: number, status = 0): void {
    const s = this.port.spawns.find((x) => x.pid === pid);
    if (s) s.alive = false;
    this.port.events!.exited({ pid, kind: 'exited', status });
    this.settle();
  }

  /** Ends a process by a signal and drains. */
  signal(pid: number, signal: string): void {
    const s = this.port.spawns.find((x) => x.pid === pid);
    if (s) s.alive = false;
    this.port.events!.exited({ pid, kind: 'killed', signal, core: false });
    this.settle();
  }

  /** Event names with args, in the order they were handled: `started JOB=a INSTANCE=`. */
  eventLog(filter?: (name: string) => boolean): string[] {
    return this.journal
      .filter((e): e is Extract<JournalEntry, { kind: 'event' }> => e.kind === 'event' && (filter === undefined || filter(e.name)))
      .map((e) => [e.name, ...e.env].join(' '));
  }

  /** Lifecycle event lines for one job: `starting`, `started`, `stopping RESULT=ok` ... */
  jobEvents(job: string): string[] {
    return this.journal
      .filter((e): e is Extract<JournalEntry, { kind: 'event' }> => e.kind === 'event' && e.env[0] === `JOB=${job}`)
      .map((e) => [e.name, ...e.env.slice(2)].join(' '));
  }

  /** The state path of one job, e.g. ['starting', 'security', ...]. */
  states(job: string, instance = ''): string[] {
    return this.journal
      .filter((e): e is Extract<JournalEntry, { kind: 'state' }> => e.kind === 'state' && e.job === job && e.instance === instance)
      .map((e) => `${e.goal}/${e.state}`)
      .filter((s, i, a) => i === 0 || a[i - 1] !== s);
  }

  /** How many times a job reached started. */
  startedCount(job: string): number {
    return this.jobEvents(job).filter((l) => l.startsWith('started')).length;
  }
}
