// Engine: the event queue, condition evaluation and job instances behind EngineApi (one drain per tick).
import { collectFiring, evaluate, heldEvents, resetLatched, updateWithEvent, buildCondition, type ConditionMode, type ConditionState } from '../events/conditionState.ts';
import { ConditionIndex, eventKeys } from '../events/conditionIndex.ts';
import { envLookup, isEnvEntry } from '../events/envList.ts';
import type { EventRecord } from '../events/event.ts';
import { setPhase, type Registry } from '../events/lifecycle.ts';
import { EngineError, type EngineApi, type InstanceStatus, type JournalEntry, type WhyReport, type LeafReport } from '../model/engineApi.ts';
import { PROCESS_NAMES, type ConsoleMode, type JobClassSpec } from '../model/jobClass.ts';
import { goalText } from '../model/state.ts';
import type { Clock } from '../platform/clock.ts';
import type { ExitInfo, ProcessPort } from '../process/port.ts';
import { classDefaults, DEFAULT_PATH, instanceName, type EnvContext } from './environment.ts';
import type { ClassVersion, JobRecord } from './job.ts';
import { JobMachine, jobLabel, type LogFn, type MachineHost, type MachineWork } from './machine.ts';

export interface EngineDeps {
  process: ProcessPort;
  clock: Clock;
  log?: LogFn;
  /** Chromium OS `tmpfiles`: applies the listed tmpfiles.d files before pre-start. */
  tmpfiles?: (paths: string[], env: string[]) => Promise<void> | void;
}

export interface EngineOptions {
  /** Upstart 1.13 condition semantics (every leaf latched, reset when the condition fires). */
  legacyConditions?: boolean;
  defaultConsole?: ConsoleMode;
  /** UPSTART_SESSION etc., given to every job. */
  sessionEnv?: string[];
  /** init's own environment, for `env KEY` without a value. */
  inheritedEnv?: Record<string, string>;
}

type CommandOp = 'start' | 'stop' | 'restart';

type Work =
  | MachineWork
  | { kind: 'exit'; info: ExitInfo }
  | { kind: 'ready'; spawnedPid: number; pid: number }
  | { kind: 'command'; id: number; op: CommandOp; job: string; env: string[]; wait: boolean }
  | { kind: 'stop-all' };

interface Waiter {
  op: CommandOp;
  resolve: (s: InstanceStatus) => void;
  reject: (e: Error) => void;
}

/** Everything the engine knows, as plain data (what a stateful re-exec would serialise). */
export interface EngineSnapshot {
  version: 1;
  legacyConditions: boolean;
  classes: Record<string, { current?: number }>;
  versions: Record<number, ClassVersion>;
  startConditions: Record<string, ConditionState>;
  jobs: JobRecord[];
  events: EventRecord[];
  registry: Registry;
  jobEnv: Array<[string, string]>;
  nextId: number;
}

const GLOBAL_ENV: ReadonlyArray<[string, string]> = [['PATH', DEFAULT_PATH], ['TERM', 'linux']];

export class Engine implements EngineApi {
  private readonly clock: Clock;
  private readonly port: ProcessPort;
  private readonly log: LogFn;
  private readonly mode: ConditionMode;
  private readonly envCtx: EnvContext;
  private readonly machine: JobMachine;

  private readonly classRecs = new Map<string, { current?: number }>();
  private readonly versions = new Map<number, ClassVersion>();
  private readonly startConds = new Map<string, ConditionState>();
  private readonly jobs = new Map<number, JobRecord>();
  private readonly events = new Map<number, EventRecord>();
  private readonly registry: Registry = {};
  private readonly index = new ConditionIndex();
  private nextId = 1;

  private readonly work: Work[] = [];
  private readonly pending: number[] = [];
  private readonly finishing: number[] = [];
  private scheduled = false;
  private readonly waiters = new Map<number, Waiter>();
  private readonly eventWaiters = new Map<number, Array<{ resolve: () => void; reject: (e: Error) => void }>>();
  private stopAllWaiters: Array<() => void> = [];
  /** Set by stopAll(): from then on no condition and no command starts anything. */
  private shuttingDown = false;
  private readonly subscribers = new Set<(e: JournalEntry) => void>();
  /** Conditions evaluated so far (for the benchmark). */
  conditionEvaluations = 0;

  constructor(deps: EngineDeps, opts: EngineOptions = {}) {
    this.clock = deps.clock;
    this.port = deps.process;
    this.log = deps.log ?? (() => {});
    this.mode = opts.legacyConditions ? 'legacy' : 'default';
    this.envCtx = { jobEnv: new Map(GLOBAL_ENV), inherited: { ...(opts.inheritedEnv ?? {}) }, session: [...(opts.sessionEnv ?? [])] };
    const host: MachineHost = {
      port: this.port,
      clock: this.clock,
      log: this.log,
      envCtx: this.envCtx,
      defaultConsole: opts.defaultConsole ?? 'log',
      tmpfiles: deps.tmpfiles,
      specOf: (job) => this.versions.get(job.version)!.spec,
      journal: (e) => this.journal(e),
      emitJobEvent: (job, name, env) => this.emitJobEvent(job, name, env),
      release: (job) => this.release(job),
      armStop: (job) => this.armStop(job),
      jobGone: (job) => this.jobGone(job),
      enqueue: (w) => this.enqueue(w),
    };
    this.machine = new JobMachine(host);
    this.port.setEvents({
      exited: (info) => this.enqueue({ kind: 'exit', info }),
      ready: (spawnedPid, pid) => this.enqueue({ kind: 'ready', spawnedPid, pid }),
    });
  }

  // ---- job classes -------------------------------------------------------------------------

  addOrReplaceClass(spec: JobClassSpec): void {
    const rec = this.classRecs.get(spec.name) ?? {};
    this.retireVersion(rec.current);
    const version = this.nextId++;
    this.versions.set(version, { version, spec, current: true });
    rec.current = version;
    this.classRecs.set(spec.name, rec);
    this.setStartCondition(spec);
  }

  removeClass(name: string): void {
    const rec = this.classRecs.get(name);
    if (rec === undefined) return;
    this.retireVersion(rec.current);
    delete rec.current;
    this.setStartCondition(undefined, name);
    if (!this.instancesOf(name).length) this.classRecs.delete(name);
  }

  getClass(name: string): JobClassSpec | undefined {
    const v = this.classRecs.get(name)?.current;
    return v === undefined ? undefined : this.versions.get(v)?.spec;
  }

  classes(): JobClassSpec[] {
    const out: JobClassSpec[] = [];
    for (const rec of this.classRecs.values()) if (rec.current !== undefined) out.push(this.versions.get(rec.current)!.spec);
    return out;
  }

  private retireVersion(v: number | undefined): void {
    if (v === undefined) return;
    const cv = this.versions.get(v);
    if (cv === undefined) return;
    cv.current = false;
    if (![...this.jobs.values()].some((j) => j.version === v)) this.versions.delete(v);
  }

  private setStartCondition(spec: JobClassSpec | undefined, name = spec?.name ?? ''): void {
    const old = this.startConds.get(name);
    if (old) for (const id of heldEvents(old)) this.releaseEvent(id, false);
    this.startConds.delete(name);
    this.index.delete(`c:${name}`);
    if (spec === undefined || spec.start === undefined || spec.manual) return;
    const lookup = envLookup(classDefaults(spec, this.envCtx));
    const cond = buildCondition(spec.start, lookup, this.mode, this.registry);
    this.startConds.set(name, cond);
    this.index.set(`c:${name}`, cond);
  }

  // ---- queries -----------------------------------------------------------------------------

  status(job: string, instance?: string): InstanceStatus[] {
    if (!this.classRecs.has(job)) throw new EngineError('unknown-job', `Unknown job: ${job}`);
    return this.instancesOf(job)
      .filter((j) => instance === undefined || j.instance === instance)
      .sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0))
      .map((j) => this.statusOf(j));
  }

  private statusOf(j: JobRecord): InstanceStatus {
    const processes = [];
    for (const p of PROCESS_NAMES) for (const pid of j.pids[p] ?? []) processes.push({ process: p, pid });
    return { job: j.name, instance: j.instance, goal: goalText(j.goal), state: j.state, processes };
  }

  private instancesOf(name: string): JobRecord[] {
    return [...this.jobs.values()].filter((j) => j.name === name);
  }

  /** Which job processes a pid belongs to. */
  jobsUsingPid(pid: number): Array<{ job: string; instance: string; process: string }> {
    const o = this.machine.pidIndex.get(pid);
    return o === undefined ? [] : [{ job: o.job.name, instance: o.job.instance, process: o.process }];
  }

  jobEnv(): Map<string, string> {
    return this.envCtx.jobEnv;
  }

  /** initctl reset-env: back to PATH and TERM only. */
  resetJobEnv(): void {
    this.envCtx.jobEnv.clear();
    for (const [k, v] of GLOBAL_ENV) this.envCtx.jobEnv.set(k, v);
  }

  why(job: string): WhyReport {
    const spec = this.getClass(job) ?? this.instancesOf(job).map((j) => this.versions.get(j.version)?.spec)[0];
    if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${job}`);
    const report: WhyReport = { job };
    const leavesOf = (c: ConditionState): LeafReport[] =>
      c.leaves.map((l) => {
        const r: LeafReport = { text: l.text, value: l.latched || l.level };
        if (l.changedBy !== undefined) r.changedBy = l.changedBy;
        return r;
      });
    const sc = this.startConds.get(job);
    if (sc) report.start = { value: evaluate(sc), leaves: leavesOf(sc) };
    const inst = this.instancesOf(job).find((j) => j.stop !== undefined);
    if (inst?.stop) report.stop = { value: evaluate(inst.stop), leaves: leavesOf(inst.stop) };
    else if (spec.stop) {
      const preview = buildCondition(spec.stop, envLookup(classDefaults(spec, this.envCtx)), this.mode, this.registry);
      report.stop = { value: evaluate(preview), leaves: leavesOf(preview) };
    }
    return report;
  }

  subscribe(fn: (entry: JournalEntry) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  private journal(e: JournalEntry): void {
    for (const fn of this.subscribers) {
      try {
        fn(e);
      } catch (err) {
        this.log('warn', `journal subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  /** Plain-data copy of the whole state (for stateful re-exec and debugging). */
  snapshot(): EngineSnapshot {
    const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
    return copy({
      version: 1 as const,
      legacyConditions: this.mode === 'legacy',
      classes: Object.fromEntries(this.classRecs),
      versions: Object.fromEntries(this.versions),
      startConditions: Object.fromEntries(this.startConds),
      jobs: [...this.jobs.values()],
      events: [...this.events.values()],
      registry: this.registry,
      jobEnv: [...this.envCtx.jobEnv],
      nextId: this.nextId,
    });
  }

  // ---- commands ----------------------------------------------------------------------------

  start(job: string, env: string[], wait: boolean): Promise<InstanceStatus> {
    return this.command('start', job, env, wait);
  }

  stop(job: string, env: string[], wait: boolean): Promise<InstanceStatus> {
    return this.command('stop', job, env, wait);
  }

  restart(job: string, env: string[], wait: boolean): Promise<InstanceStatus> {
    return this.command('restart', job, env, wait);
  }

  reload(job: string, env: string[]): void {
    const j = this.findForCommand(job, env);
    const spec = this.versions.get(j.version)!.spec;
    const pids = j.pids.main ?? [];
    if (pids.length === 0) throw new EngineError('unknown-instance', `Unknown instance: ${jobLabel(j)}`);
    for (const pid of pids) this.port.kill(pid, spec.reloadSignal, false);
  }

  emit(name: string, env: string[], wait: boolean): Promise<void> {
    if (!/^[^\s=]+$/.test(name)) return Promise.reject(new EngineError('invalid', `Invalid event name: ${JSON.stringify(name)}`));
    const bad = env.find((e) => !isEnvEntry(e));
    if (bad !== undefined) return Promise.reject(new EngineError('invalid', `Invalid environment entry: ${bad}`));
    const id = this.queueEvent(name, [...env]);
    if (!wait) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.eventWaiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.eventWaiters.set(id, list);
    });
  }

  /** Emits the `startup` event (the daemon calls this once, after loading its configuration). */
  startupEvent(env: string[] = []): Promise<void> {
    return this.emit('startup', env, false);
  }

  /** Stops every job instance; resolves once none is left (shutdown). */
  stopAll(): Promise<void> {
    return new Promise((resolve) => {
      this.stopAllWaiters.push(resolve);
      this.enqueue({ kind: 'stop-all' });
    });
  }

  private command(op: CommandOp, job: string, env: string[], wait: boolean): Promise<InstanceStatus> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiters.set(id, { op, resolve, reject });
      this.enqueue({ kind: 'command', id, op, job, env: [...env], wait });
    });
  }

  private findForCommand(job: string, env: string[]): JobRecord {
    const rec = this.classRecs.get(job);
    if (rec === undefined) throw new EngineError('unknown-job', `Unknown job: ${job}`);
    const spec = this.getClass(job) ?? this.instancesOf(job).map((j) => this.versions.get(j.version)!.spec)[0];
    if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${job}`);
    const inst = instanceName(spec, this.envCtx, env);
    if ('missing' in inst) throw new EngineError('invalid', `Unknown parameter: ${inst.missing}`);
    const j = this.instancesOf(job).find((x) => x.instance === inst.name);
    if (j === undefined) {
      if (spec.instance !== undefined) throw new EngineError('unknown-instance', `Unknown instance: ${job} (${inst.name})`);
      throw new EngineError('already-stopped', `Job has already been stopped: ${job}`);
    }
    return j;
  }

  private runCommand(w: Extract<Work, { kind: 'command' }>): void {
    const waiter = this.waiters.get(w.id)!;
    const fail = (e: unknown): void => {
      this.waiters.delete(w.id);
      waiter.reject(e instanceof Error ? e : new Error(String(e)));
    };
    try {
      const bad = w.env.find((e) => !isEnvEntry(e));
      if (bad !== undefined) throw new EngineError('invalid', `Invalid environment entry: ${bad}`);
      let j: JobRecord;
      if (w.op === 'start') {
        const spec = this.getClass(w.job);
        if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${w.job}`);
        if (this.shuttingDown) throw new EngineError('denied', `Not starting ${w.job}: init is shutting down`);
        const inst = instanceName(spec, this.envCtx, w.env);
        if ('missing' in inst) throw new EngineError('invalid', `Unknown parameter: ${inst.missing}`);
        const existing = this.instancesOf(w.job).find((x) => x.instance === inst.name);
        if (existing !== undefined && existing.goal !== 'stop') throw new EngineError('already-running', `Job is already running: ${jobLabel(existing)}`);
        j = existing ?? this.newJob(spec, inst.name);
        j.startEnv = [...w.env];
        if (w.wait) j.blocking.push({ kind: 'command', id: w.id });
        this.machine.changeGoal(j, 'start');
      } else {
        if (w.op === 'restart' && this.shuttingDown) throw new EngineError('denied', `Not restarting ${w.job}: init is shutting down`);
        j = this.findForCommand(w.job, w.env);
        if (j.goal === 'stop') throw new EngineError('already-stopped', `Job has already been stopped: ${jobLabel(j)}`);
        if (w.op === 'stop') j.stopEnv = [...w.env];
        if (w.wait) j.blocking.push({ kind: 'command', id: w.id });
        // restart: down through the stop states and up again with the same env and class version.
        this.machine.changeGoal(j, w.op === 'stop' ? 'stop' : 'respawn');
      }
      if (!w.wait) {
        this.waiters.delete(w.id);
        waiter.resolve(this.statusOf(j));
      }
    } catch (e) {
      fail(e);
    }
  }

  private newJob(spec: JobClassSpec, instance: string): JobRecord {
    const j: JobRecord = {
      id: this.nextId++,
      name: spec.name,
      instance,
      version: this.classRecs.get(spec.name)!.current!,
      goal: 'stop',
      state: 'waiting',
      env: [],
      startEnv: [],
      stopEnv: [],
      blocking: [],
      pids: {},
      failed: false,
      respawnCount: 0,
      respawnSince: 0,
    };
    this.jobs.set(j.id, j);
    return j;
  }

  // ---- the queue ---------------------------------------------------------------------------

  private enqueue(w: Work): void {
    this.work.push(w);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.clock.defer(() => this.drain());
  }

  /** Runs queued work, handles pending events and finishes unblocked ones until nothing is left. */
  private drain(): void {
    this.scheduled = false;
    for (;;) {
      const w = this.work.shift();
      if (w !== undefined) {
        this.guard(() => this.runWork(w));
        continue;
      }
      const p = this.pending.shift();
      if (p !== undefined) {
        const ev = this.events.get(p);
        if (ev) this.guard(() => this.handleEvent(ev));
        continue;
      }
      const f = this.finishing.shift();
      if (f !== undefined) {
        const ev = this.events.get(f);
        if (ev && ev.progress === 'handling' && ev.blockers <= 0) this.guard(() => this.finishEvent(ev));
        continue;
      }
      break;
    }
    if (this.jobs.size === 0 && this.stopAllWaiters.length > 0) {
      const ws = this.stopAllWaiters;
      this.stopAllWaiters = [];
      for (const r of ws) r();
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log('error', `engine: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private runWork(w: Work): void {
    switch (w.kind) {
      case 'exit':
        this.machine.exited(w.info);
        return;
      case 'ready':
        this.machine.ready(w.spawnedPid, w.pid);
        return;
      case 'kill-timeout': {
        const j = this.jobs.get(w.job);
        if (j) this.machine.killTimeout(j);
        return;
      }
      case 'tmpfiles': {
        const j = this.jobs.get(w.job);
        if (j) this.machine.tmpfilesDone(j, w.error);
        return;
      }
      case 'command':
        this.runCommand(w);
        return;
      case 'stop-all':
        this.shuttingDown = true;
        for (const j of [...this.jobs.values()]) {
          if (j.goal !== 'stop') {
            j.stopEnv = [];
            this.machine.changeGoal(j, 'stop');
          }
        }
        return;
    }
  }

  // ---- events ------------------------------------------------------------------------------

  private queueEvent(name: string, env: string[], job?: EventRecord['job']): number {
    const ev: EventRecord = { id: this.nextId++, name, env, progress: 'pending', blockers: 0, failed: false, at: this.clock.now() };
    if (job !== undefined) ev.job = job;
    this.events.set(ev.id, ev);
    this.pending.push(ev.id);
    this.schedule();
    return ev.id;
  }

  private emitJobEvent(job: JobRecord, name: 'starting' | 'started' | 'stopping' | 'stopped', extra: string[]): number {
    const spec = this.versions.get(job.version)!.spec;
    return this.queueEvent(name, [`JOB=${job.name}`, `INSTANCE=${job.instance}`, ...extra], { name: job.name, instance: job.instance, id: job.id, task: spec.task });
  }

  private when(): string {
    return `${(this.clock.now() / 1000).toFixed(3)}s`;
  }

  private handleEvent(ev: EventRecord): void {
    ev.progress = 'handling';
    this.journal({ t: this.clock.now(), wall: this.clock.wallNow(), kind: 'event', name: ev.name, env: ev.env });
    this.log('debug', `Handling ${ev.name} event`);
    if (ev.job !== undefined) {
      setPhase(this.registry, { job: ev.job.name, instance: ev.job.instance, phase: ev.name as 'started', env: ev.env, task: ev.job.task, at: ev.at });
    }
    const keys = eventKeys(ev.name, ev.env, ev.job?.name, this.mode === 'default');
    const when = this.when();
    for (const owner of this.index.owners(keys)) {
      const cond = owner.startsWith('c:') ? this.startConds.get(owner.slice(2)) : this.jobs.get(Number(owner.slice(2)))?.stop;
      if (cond === undefined) continue;
      this.conditionEvaluations++;
      const r = updateWithEvent(cond, ev, this.registry, this.mode, when);
      for (const id of r.held) this.holdEvent(id);
      if (!r.changed) continue;
      const value = evaluate(cond);
      if (value && !cond.value) {
        const firing = collectFiring(cond);
        const released = resetLatched(cond, when);
        cond.value = evaluate(cond);
        if (owner.startsWith('c:')) this.startFromCondition(owner.slice(2), firing);
        else this.stopFromCondition(Number(owner.slice(2)), firing);
        for (const id of released) this.releaseEvent(id, false);
      } else {
        cond.value = value;
      }
    }
    if (ev.blockers <= 0) this.finishing.push(ev.id);
  }

  private startFromCondition(name: string, f: ReturnType<typeof collectFiring>): void {
    const spec = this.getClass(name);
    if (spec === undefined) return;
    if (this.shuttingDown) {
      this.log('info', `${name}: not started by ${f.events.join(' ')}: shutting down`);
      return;
    }
    const inst = instanceName(spec, this.envCtx, f.env);
    if ('missing' in inst) {
      this.log('warn', `${name}: cannot start: instance refers to unset variable ${inst.missing}`);
      return;
    }
    const existing = this.instancesOf(name).find((x) => x.instance === inst.name);
    if (existing !== undefined && existing.goal !== 'stop') return;
    const j = existing ?? this.newJob(spec, inst.name);
    j.startEnv = [...f.env, `UPSTART_EVENTS=${f.events.join(' ')}`];
    this.blockBy(j, f.eventIds);
    this.machine.changeGoal(j, 'start');
  }

  private stopFromCondition(id: number, f: ReturnType<typeof collectFiring>): void {
    const j = this.jobs.get(id);
    if (j === undefined || j.goal === 'stop') return;
    j.stopEnv = [...f.env, `UPSTART_STOP_EVENTS=${f.events.join(' ')}`];
    this.blockBy(j, f.eventIds);
    this.machine.changeGoal(j, 'stop');
  }

  private blockBy(j: JobRecord, ids: number[]): void {
    for (const id of ids) {
      const ev = this.events.get(id);
      if (ev === undefined || ev.progress !== 'handling') continue;
      this.holdEvent(id);
      j.blocking.push({ kind: 'event', event: id });
    }
  }

  private holdEvent(id: number): void {
    const ev = this.events.get(id);
    if (ev) ev.blockers++;
  }

  private releaseEvent(id: number, failed: boolean): void {
    const ev = this.events.get(id);
    if (ev === undefined) return;
    if (failed) ev.failed = true;
    ev.blockers--;
    if (ev.blockers <= 0 && ev.progress === 'handling') this.finishing.push(id);
  }

  private finishEvent(ev: EventRecord): void {
    this.events.delete(ev.id);
    for (const w of this.eventWaiters.get(ev.id) ?? []) {
      if (ev.failed) w.reject(new EngineError('failed', `Event failed: ${ev.name}`));
      else w.resolve();
    }
    this.eventWaiters.delete(ev.id);
    if (ev.job !== undefined && (ev.name === 'starting' || ev.name === 'stopping')) {
      const j = this.jobs.get(ev.job.id);
      if (j !== undefined && j.blocker === ev.id) {
        delete j.blocker;
        this.machine.advance(j);
      }
    }
  }

  // ---- hooks from the state machine -----------------------------------------------------------

  private release(job: JobRecord): void {
    const refs = job.blocking;
    job.blocking = [];
    const gone = job.state === 'waiting';
    for (const r of refs) {
      if (r.kind === 'event') {
        this.releaseEvent(r.event, job.failed);
        continue;
      }
      const w = this.waiters.get(r.id);
      if (w === undefined) continue;
      this.waiters.delete(r.id);
      if (job.failed && w.op !== 'stop') {
        w.reject(new EngineError('failed', `Job failed to start: ${job.failReason ?? 'unknown reason'}`));
      } else {
        const s = this.statusOf(job);
        w.resolve(gone ? { ...s, goal: 'stop', processes: [] } : s);
      }
    }
  }

  private armStop(job: JobRecord): void {
    if (job.stop) for (const id of heldEvents(job.stop)) this.releaseEvent(id, false);
    const spec = this.versions.get(job.version)!.spec;
    if (spec.stop === undefined) {
      delete job.stop;
      this.index.delete(`j:${job.id}`);
      return;
    }
    job.stop = buildCondition(spec.stop, envLookup(job.env), this.mode, this.registry);
    this.index.set(`j:${job.id}`, job.stop);
  }

  private jobGone(job: JobRecord): void {
    if (job.stop) for (const id of heldEvents(job.stop)) this.releaseEvent(id, false);
    this.index.delete(`j:${job.id}`);
    this.machine.forget(job);
    this.jobs.delete(job.id);
    const rec = this.classRecs.get(job.name);
    const cv = this.versions.get(job.version);
    if (cv && !cv.current && ![...this.jobs.values()].some((j) => j.version === job.version)) this.versions.delete(job.version);
    if (rec && rec.current === undefined && this.instancesOf(job.name).length === 0) this.classRecs.delete(job.name);
  }
}
