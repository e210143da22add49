// EngineCore: the engine's state (job table, event queue, armed conditions) and its drain loop, one drain per tick.
import { ArmedConditions, type ConditionHooks, type Owner } from '../events/armedConditions.ts';
import type { ConditionState, Firing } from '../events/conditionState.ts';
import { envLookup } from '../events/envList.ts';
import type { EventRecord } from '../events/event.ts';
import { EventQueue } from '../events/eventQueue.ts';
import { Fifo } from '../events/fifo.ts';
import { setPhase, type Registry } from '../events/lifecycle.ts';
import { EngineError, type InstanceStatus, type JournalEntry } from '../model/engineApi.ts';
import { PROCESS_NAMES, type ConsoleMode, type JobClassSpec } from '../model/jobClass.ts';
import { goalText } from '../model/state.ts';
import { type Clock } from '../platform/clock.ts';
import type { ExitInfo, ProcessPort, SpawnFailure } from '../process/port.ts';
import { runCommand, type CommandHost, type CommandWork, type Waiter } from './commands.ts';
import { classDefaults, DEFAULT_PATH, EnvTable, instanceName, type EnvContext } from './environment.ts';
import { adoptProcess, processExeced, processExited, processReady } from './exits.ts';
import { NO_WAIT, type JobRecord } from './job.ts';
import { JobTable } from './jobTable.ts';
import { JobMachine, type LogFn, type MachineHost, type MachineWork } from './machine.ts';
import { advanceShutdown, beginShutdown, type ShutdownHost, type ShutdownRequest, type ShutdownStage } from './shutdown.ts';

/** Longest a drain runs before it lets the event loop serve I/O (ms). */
export const DRAIN_SLICE_MS = 20;

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

/** Queued work: plain data, so a snapshot can carry it (commands excepted: their callers do not survive). */
export type Work =
  | MachineWork
  | { kind: 'exit'; info: ExitInfo }
  | { kind: 'exec'; pid: number; failure?: SpawnFailure }
  | { kind: 'ready'; spawnedPid: number; pid: number }
  | { kind: 'resume-tmpfiles'; job: number }
  | CommandWork
  | { kind: 'shutdown'; request: ShutdownRequest };

export const GLOBAL_ENV: ReadonlyArray<[string, string]> = [['PATH', DEFAULT_PATH], ['TERM', 'linux']];

/** Fields are read by the Engine facade, the commands and the snapshot code; only this class changes them in a drain. */
export class EngineCore implements CommandHost {
  readonly clock: Clock;
  readonly port: ProcessPort;
  readonly log: LogFn;
  readonly envCtx: EnvContext;
  readonly machine: JobMachine;
  readonly table = new JobTable();
  readonly registry: Registry = {};
  readonly conds: ArmedConditions;
  readonly queue = new EventQueue();
  nextId = 1;

  readonly work = new Fifo<Work>();
  private scheduled = false;
  readonly waiters = new Map<number, Waiter>();
  /** Callers of shutdown(), settled once no job is left. */
  shutdownWaiters: Array<() => void> = [];
  /** The staged shutdown, once asked for (shutdown.ts). */
  shutdownStage: ShutdownStage | undefined;
  /** Set by the shutdown's stop stage: from then on no condition and no command starts anything. */
  stopping = false;
  readonly subscribers = new Set<(e: JournalEntry) => void>();
  private readonly condHooks: ConditionHooks = {
    hold: (id) => this.queue.hold(id),
    release: (id) => this.queue.release(id, false),
    fire: (owner, firing) => this.fire(owner, firing),
  };

  constructor(deps: EngineDeps, opts: EngineOptions = {}) {
    this.clock = deps.clock;
    this.port = deps.process;
    this.log = deps.log ?? (() => {});
    this.conds = new ArmedConditions(opts.legacyConditions ? 'legacy' : 'default', this.registry, (name) => this.table.current(name) !== undefined || this.registry[name] !== undefined);
    this.envCtx = { jobEnv: new EnvTable(GLOBAL_ENV), inherited: { ...(opts.inheritedEnv ?? {}) }, session: [...(opts.sessionEnv ?? [])] };
    const host: MachineHost = {
      port: this.port,
      clock: this.clock,
      log: this.log,
      envCtx: this.envCtx,
      defaultConsole: opts.defaultConsole ?? 'log',
      tmpfiles: deps.tmpfiles,
      specOf: (job) => this.table.specOf(job),
      journal: (e) => this.journal(e),
      emitJobEvent: (job, name, env) => this.emitJobEvent(job, name, env),
      release: (job) => this.release(job),
      armStop: (job) => this.armStop(job),
      armReady: (job) => this.armReady(job),
      disarmReady: (job) => this.disarmReady(job),
      jobGone: (job) => this.jobGone(job),
      enqueue: (w) => this.enqueue(w),
    };
    this.machine = new JobMachine(host);
    this.port.setEvents({
      exited: (info) => this.enqueue({ kind: 'exit', info }),
      execed: (id, pid, failure) => {
        // A provisional id becomes the pid at once (status, the journal's spawn entry and a re-exec's
        // state never see it); how the exec went is handled in order with the rest.
        const key = this.machine.procs.resolve(id, pid);
        this.enqueue(failure === undefined ? { kind: 'exec', pid: key } : { kind: 'exec', pid: key, failure });
      },
      ready: (spawnedPid, pid) => this.enqueue({ kind: 'ready', spawnedPid, pid }),
      adopted: (a) => adoptProcess(this.machine, this.table.instance(a.job, a.instance), a.pid),
    });
  }

  shuttingDown(): boolean {
    return this.stopping;
  }

  setStartCondition(name: string, spec: JobClassSpec | undefined): void {
    const owner: Owner = { kind: 'start', job: name };
    for (const id of this.conds.set(owner, undefined)) this.queue.release(id, false);
    if (spec === undefined || spec.start === undefined || spec.manual) return;
    this.conds.set(owner, this.conds.build(spec.start, envLookup(classDefaults(spec, this.envCtx))));
  }

  statusOf(j: JobRecord): InstanceStatus {
    const processes = [];
    // Not a pending spawn's provisional id (<= 0): its pid is not known yet.
    for (const p of PROCESS_NAMES) for (const pid of j.pids[p] ?? []) if (pid > 0) processes.push({ process: p, pid });
    return { job: j.name, instance: j.instance, goal: goalText(j.goal), state: j.state, processes };
  }

  journal(e: JournalEntry): void {
    // forEach, not for-of: no iterator objects for each of the entries a burst journals (several per state change).
    this.subscribers.forEach((fn) => {
      try {
        fn(e);
      } catch (err) {
        this.log('warn', `journal subscriber failed: ${(err as Error).message}`);
      }
    });
  }

  private runCommand(w: CommandWork): void {
    const waiter = this.waiters.get(w.id);
    try {
      const j = runCommand(this, w);
      if (!w.wait && waiter !== undefined) {
        this.waiters.delete(w.id);
        waiter.resolve(this.statusOf(j));
      }
    } catch (e) {
      this.waiters.delete(w.id);
      waiter?.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  newJob(spec: JobClassSpec, instance: string): JobRecord {
    this.lastFailures.delete(spec.name);
    const j: JobRecord = {
      id: this.nextId++,
      name: spec.name,
      instance,
      version: this.table.classRecs.get(spec.name)!.current!,
      goal: 'stop',
      state: 'waiting',
      env: [],
      startEnv: [],
      stopEnv: [],
      blocking: [],
      wait: NO_WAIT,
      pids: {},
      failed: false,
      respawnCount: 0,
      respawnSince: 0,
    };
    this.table.add(j);
    return j;
  }

  // ---- the queue ---------------------------------------------------------------------------

  enqueue(w: Work): void {
    this.work.push(w);
    this.schedule();
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.clock.defer(() => this.drain());
  }

  /** Runs queued work, handles pending events and finishes unblocked ones until nothing is left. */
  private drain(): void {
    this.scheduled = false;
    const q = this.queue;
    const started = this.clock.now();
    for (;;) {
      if (this.clock.now() - started >= DRAIN_SLICE_MS) {
        // A big fan-out (thousands of jobs on one event) yields to I/O between slices, so the
        // control socket keeps answering; the rest runs in the next tick, in the same order.
        this.schedule();
        return;
      }
      try {
        const w = this.work.shift();
        if (w !== undefined) {
          this.runWork(w);
          continue;
        }
        const p = q.takePending();
        if (p !== null) {
          if (p !== undefined) this.handleEvent(p);
          continue;
        }
        const f = q.takeFinishing();
        if (f !== null) {
          if (f !== undefined) this.finishEvent(f);
          continue;
        }
        break;
      } catch (err) {
        // PID 1 never dies: log and carry on with the next item.
        this.log('error', `engine: ${(err as Error).stack ?? String(err)}`);
      }
    }
    if (this.shutdownStage !== undefined) this.advanceShutdown();
  }

  private readonly shutdownHost: ShutdownHost = {
    jobs: () => this.table.jobs.values(),
    specOf: (j) => this.table.specOf(j),
    queueEvent: (name, env) => this.queueEvent(name, env),
    eventLive: (id) => this.queue.get(id) !== undefined,
    refuseStarts: () => { this.stopping = true; },
    stopJob: (j) => {
      j.stopEnv = [];
      this.machine.changeGoal(j, 'stop');
    },
    log: (level, msg) => this.log(level, msg),
  };

  /** The drain is idle: the shutdown moves on if its stage is over, and its callers hear when it is done. */
  private advanceShutdown(): void {
    this.shutdownStage = advanceShutdown(this.shutdownHost, this.shutdownStage!);
    if (this.shutdownStage.kind !== 'done') return;
    const ws = this.shutdownWaiters;
    this.shutdownWaiters = [];
    for (const r of ws) r();
  }

  private runWork(w: Work): void {
    switch (w.kind) {
      case 'exit':
        return processExited(this.machine, w.info);
      case 'exec':
        return processExeced(this.machine, w.pid, w.failure);
      case 'ready':
        return processReady(this.machine, w.spawnedPid, w.pid);
      case 'kill-timeout': {
        const j = this.table.jobs.get(w.job);
        if (j) this.machine.react(j, { kind: 'kill-timeout' });
        return;
      }
      case 'ready-timeout': {
        const j = this.table.jobs.get(w.job);
        if (j) this.machine.react(j, { kind: 'ready-timeout' });
        return;
      }
      case 'tmpfiles': {
        const j = this.table.jobs.get(w.job);
        if (j) this.machine.react(j, { kind: 'tmpfiles-done', failed: w.error !== undefined }, w.error === undefined ? {} : { error: w.error });
        return;
      }
      case 'resume-tmpfiles': {
        const j = this.table.jobs.get(w.job);
        if (j) this.machine.resumeTmpfiles(j);
        return;
      }
      case 'command':
        return this.runCommand(w);
      case 'shutdown':
        if (this.shutdownStage === undefined) this.shutdownStage = beginShutdown(this.shutdownHost, w.request);
        else this.log('info', 'shutdown: already under way');
        return;
    }
  }

  // ---- events ------------------------------------------------------------------------------

  queueEvent(name: string, env: string[], job?: EventRecord['job']): number {
    const ev: EventRecord = { id: this.nextId++, name, env, progress: 'pending', blockers: 0, failed: false, at: this.clock.now() };
    if (job !== undefined) ev.job = job;
    this.queue.add(ev);
    this.schedule();
    return ev.id;
  }

  private emitJobEvent(job: JobRecord, name: 'starting' | 'started' | 'stopping' | 'stopped', extra: string[]): number {
    const spec = this.table.specOf(job);
    return this.queueEvent(name, [`JOB=${job.name}`, `INSTANCE=${job.instance}`, ...extra], { name: job.name, instance: job.instance, id: job.id, task: spec.task });
  }

  private handleEvent(ev: EventRecord): void {
    ev.progress = 'handling';
    this.journal({ t: this.clock.now(), wall: this.clock.wallNow(), kind: 'event', name: ev.name, env: ev.env });
    this.log('debug', `Handling ${ev.name} event`);
    if (ev.job !== undefined) {
      setPhase(this.registry, { job: ev.job.name, instance: ev.job.instance, phase: ev.name as 'started', env: ev.env, task: ev.job.task, at: ev.at });
    }
    this.conds.handle(ev, this.clock.now(), this.condHooks);
    this.queue.handled(ev);
  }

  private fire(owner: Owner, f: Firing): void {
    if (owner.kind === 'start') return this.startFromCondition(owner.job, f);
    const j = this.table.jobs.get(owner.id);
    if (j === undefined) return;
    if (owner.kind === 'stop') {
      if (j.goal === 'stop') return;
      j.stopEnv = [...f.env, `UPSTART_STOP_EVENTS=${f.events.join(' ')}`];
      this.blockBy(j, f.eventIds);
      this.machine.changeGoal(j, 'stop');
      return;
    }
    // expect CONDITION: ready. The events behind it are not held (the job's own main process may emit them).
    this.machine.react(j, { kind: 'ready', by: 'condition' });
  }

  private startFromCondition(name: string, f: Firing): void {
    const spec = this.table.current(name);
    if (spec === undefined) return;
    if (this.stopping) {
      this.log('info', `${name}: not started by ${f.events.join(' ')}: shutting down`);
      return;
    }
    const inst = instanceName(spec, this.envCtx, f.env);
    if ('missing' in inst) {
      this.log('warn', `${name}: cannot start: instance refers to unset variable ${inst.missing}`);
      return;
    }
    const existing = this.table.instance(name, inst.name);
    if (existing !== undefined && existing.goal !== 'stop') return;
    const j = existing ?? this.newJob(spec, inst.name);
    j.startEnv = [...f.env, `UPSTART_EVENTS=${f.events.join(' ')}`];
    this.blockBy(j, f.eventIds);
    this.machine.changeGoal(j, 'start');
  }

  private blockBy(j: JobRecord, ids: number[]): void {
    for (const id of ids) {
      const ev = this.queue.get(id);
      if (ev === undefined || ev.progress !== 'handling') continue;
      this.queue.hold(id);
      j.blocking.push({ kind: 'event', event: id });
    }
  }

  private finishEvent(ev: EventRecord): void {
    this.queue.finish(ev);
    if (ev.job !== undefined && (ev.name === 'starting' || ev.name === 'stopping')) {
      const j = this.table.jobs.get(ev.job.id);
      if (j !== undefined) this.machine.react(j, { kind: 'event-finished', event: ev.id });
    }
  }

  // ---- hooks from the state machine -----------------------------------------------------------

  private release(job: JobRecord): void {
    const refs = job.blocking;
    job.blocking = [];
    const gone = job.state === 'waiting';
    for (const r of refs) {
      if (r.kind === 'event') {
        this.queue.release(r.event, job.failed);
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
    const spec = this.table.specOf(job);
    const owner: Owner = { kind: 'stop', id: job.id };
    for (const id of this.conds.set(owner, undefined)) this.queue.release(id, false);
    if (spec.stop === undefined) {
      delete job.stop;
      return;
    }
    job.stop = this.conds.build(spec.stop, envLookup(job.env));
    this.conds.set(owner, job.stop);
  }

  /**
   * A daemon that started without a usable state finds `pid` still running in the cgroup of
   * JOB (INSTANCE): the instance is taken as start/running with that main process (no events are
   * emitted, nothing is spawned), its `stop on` armed. False if the class is unknown, the
   * instance is already known, or the pid belongs to another job.
   */
  adoptRunning(name: string, instance: string, pid: number): boolean {
    const spec = this.table.current(name);
    if (spec === undefined || this.table.instance(name, instance) !== undefined || this.machine.procs.pidIndex.has(pid)) return false;
    const j = this.newJob(spec, instance);
    this.machine.setGoal(j, 'start', false);
    j.state = 'running';
    j.env = [`UPSTART_JOB=${name}`, `UPSTART_INSTANCE=${instance}`];
    this.machine.procs.track(j, 'main', pid);
    this.armStop(j);
    const c = this.clock;
    this.journal({ t: c.now(), wall: c.wallNow(), kind: 'state', job: name, instance, goal: 'start', state: 'running' });
    return true;
  }

  private armReady(job: JobRecord): ConditionState {
    const ex = this.table.specOf(job).expect;
    if (ex.kind !== 'event') throw new Error(`${job.name}: armReady without expect CONDITION`);
    const cond = this.conds.build(ex.condition, envLookup(job.env));
    this.conds.set({ kind: 'ready', id: job.id }, cond);
    return cond;
  }

  private disarmReady(job: JobRecord): void {
    if (job.wait.kind !== 'ready' || job.wait.by !== 'condition') return;
    for (const id of this.conds.set({ kind: 'ready', id: job.id }, undefined)) this.queue.release(id, false);
  }

  /**
   * Why each job's last start timed out waiting for readiness, or why it stopped respawning (the
   * respawn limit), with the instance, kept after the instance is gone for status to show; a new
   * instance clears it. Other failures are not kept: status stays Upstart's `JOB stop/waiting`.
   */
  readonly lastFailures = new Map<string, string>();

  private jobGone(job: JobRecord): void {
    if ((job.readyTimeoutHit === true || job.failedProcess === 'respawn') && job.failReason !== undefined) {
      this.lastFailures.set(job.name, job.instance === '' ? job.failReason : `(${job.instance}) ${job.failReason}`);
    }
    for (const id of this.conds.set({ kind: 'stop', id: job.id }, undefined)) this.queue.release(id, false);
    this.disarmReady(job);
    this.machine.forget(job);
    this.table.remove(job);
    this.port.instanceGone?.(job.name, job.instance);
  }
}
