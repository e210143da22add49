// Engine: the EngineApi facade over EngineCore (classes, queries, commands, emit, why, snapshot and restore).
import { isEnvEntry } from '../events/envList.ts';
import { EngineError, type EngineApi, type EnvScope, type InstanceFacts, type InstanceStatus, type JournalEntry, type WhyReport } from '../model/engineApi.ts';
import { goalText } from '../model/state.ts';
import type { JobClassSpec } from '../model/jobClass.ts';
import type { JobEventName } from '../model/condition.ts';
import { reloadJob, selectInstance, type CommandOp } from './commands.ts';
import { EngineCore, type EngineDeps, type EngineOptions } from './core.ts';
import { EnvTables } from './envTables.ts';
import type { ShutdownRequest } from './shutdown.ts';
import { restoreEngine, takeSnapshot, type EngineSnapshot } from './snapshot.ts';
import { checkEngineSnapshot } from './snapshotCheck.ts';
import { whyReport } from './why.ts';

/** A variable name set-env accepts (as initctl(8)'s set-env checks its arguments). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type { EngineDeps, EngineOptions } from './core.ts';
export type { EngineSnapshot } from './snapshot.ts';

export class Engine implements EngineApi {
  private readonly core: EngineCore;
  private readonly envTables: EnvTables;

  constructor(deps: EngineDeps, opts: EngineOptions = {}) {
    this.core = new EngineCore(deps, opts);
    this.envTables = new EnvTables(this.core.table, this.core.envCtx);
  }

  /**
   * A new engine that carries on from a snapshot: same classes, instances, conditions, queued
   * events and timers. checked: the snapshot was checked and is the caller's to give away (a
   * decoded re-exec state): no second check, no copy.
   */
  static fromSnapshot(deps: EngineDeps, snap: EngineSnapshot, opts: EngineOptions = {}, checked = false): Engine {
    if (!checked) checkEngineSnapshot(snap);
    const e = new Engine(deps, { ...opts, legacyConditions: snap.legacyConditions });
    restoreEngine(e.core, snap, checked);
    return e;
  }

  /**
   * Plain-data copy of the whole state (for stateful re-exec and debugging); Engine.fromSnapshot
   * reads it back. detached false: shares objects with the engine, to be encoded at once.
   */
  snapshot(detached = true): EngineSnapshot {
    return takeSnapshot(this.core, detached);
  }

  /** Takes a process found running in JOB (INSTANCE)'s cgroup as that instance's main process (see EngineCore.adoptRunning). */
  adoptRunning(job: string, instance: string, pid: number): boolean {
    return this.core.adoptRunning(job, instance, pid);
  }

  /** Conditions updated so far (for the benchmark). */
  get conditionEvaluations(): number {
    return this.core.conds.evaluations;
  }

  // ---- job classes -------------------------------------------------------------------------

  addOrReplaceClass(spec: JobClassSpec): void {
    this.core.table.addVersion(spec, this.core.nextId++);
    this.core.setStartCondition(spec.name, spec);
  }

  removeClass(name: string): void {
    if (this.core.table.removeClass(name)) this.core.setStartCondition(name, undefined);
  }

  getClass(name: string): JobClassSpec | undefined {
    return this.core.table.current(name);
  }

  classes(): JobClassSpec[] {
    return this.core.table.currentSpecs();
  }

  // ---- queries -----------------------------------------------------------------------------

  instanceOf(job: string, env: readonly string[]): string {
    return selectInstance(this.core.table, this.core.envCtx, job, env).name;
  }

  status(job: string, instance?: string): InstanceStatus[] {
    const t = this.core.table;
    if (!t.classRecs.has(job)) throw new EngineError('unknown-job', `Unknown job: ${job}`);
    const one = instance === undefined ? undefined : t.instance(job, instance);
    const list = instance === undefined ? t.instancesOf(job) : one === undefined ? [] : [one];
    return list.sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0)).map((j) => this.core.statusOf(j));
  }

  instanceFacts(job: string, instance: string): InstanceFacts | undefined {
    const j = this.core.table.instance(job, instance);
    if (j === undefined) return undefined;
    return { spec: this.core.table.specOf(j), current: this.core.table.current(job), env: [...j.env], goal: goalText(j.goal), state: j.state };
  }

  lastFailure(job: string): string | undefined {
    return this.core.lastFailures.get(job);
  }

  /**
   * EXTEND_TIMEOUT_USEC (sd_notify): an instance waiting in spawned for readiness gets at least `ms`
   * more from now (a later deadline is kept). False when it is not waiting with a deadline.
   */
  extendReadyTimeout(job: string, instance: string, ms: number): boolean {
    const j = this.core.table.instance(job, instance);
    if (j === undefined || j.state !== 'spawned' || j.wait.kind !== 'ready' || j.wait.deadline === undefined) return false;
    const deadline = this.core.clock.now() + ms;
    if (deadline > j.wait.deadline) this.core.machine.armReadyTimer(j, deadline);
    return true;
  }

  /** Which job processes a pid belongs to. */
  jobsUsingPid(pid: number): Array<{ job: string; instance: string; process: string }> {
    const o = this.core.machine.procs.pidIndex.get(pid);
    return o === undefined ? [] : [{ job: o.job.name, instance: o.job.instance, process: o.process }];
  }

  jobEnv(): Map<string, string> {
    return this.core.envCtx.jobEnv;
  }

  envList(scope: EnvScope): Array<[string, string]> {
    return this.envTables.list(scope);
  }

  envSet(scope: EnvScope, pairs: ReadonlyArray<[string, string]>, retain: boolean): void {
    for (const [k, v] of pairs) {
      // A NUL can never reach a process: stored, it would make every later job start fail.
      if (!ENV_NAME.test(k)) throw new EngineError('invalid', `Invalid variable name: ${JSON.stringify(k)}`);
      if (v.includes('\0')) throw new EngineError('invalid', `Invalid value for ${k}: it holds a NUL byte, which no environment can carry`);
    }
    this.envTables.set(scope, pairs, retain);
  }

  envUnset(scope: EnvScope, names: readonly string[], retain: boolean): void {
    this.envTables.unset(scope, names, retain);
  }

  envReset(scope: EnvScope, defaults: ReadonlyMap<string, string>): void {
    this.envTables.reset(scope, defaults);
  }

  why(job: string): WhyReport {
    return whyReport(job, this.core.table, this.core.conds, this.core.envCtx);
  }

  subscribe(fn: (entry: JournalEntry) => void): () => void {
    this.core.subscribers.add(fn);
    return () => this.core.subscribers.delete(fn);
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
    reloadJob(this.core, job, env);
  }

  emit(name: string, env: string[], wait: boolean): Promise<void> {
    if (!/^[^\s=]+$/.test(name)) return Promise.reject(new EngineError('invalid', `Invalid event name: ${JSON.stringify(name)}`));
    const bad = env.find((e) => !isEnvEntry(e) || e.includes('\0'));
    if (bad !== undefined) return Promise.reject(new EngineError('invalid', `Invalid environment entry: ${bad}`));
    const id = this.core.queueEvent(name, [...env]);
    if (!wait) return Promise.resolve();
    return new Promise((resolve, reject) => this.core.queue.wait(id, { resolve, reject }));
  }

  /** The events emitted and not finished yet, oldest first (after a re-exec: those the old image handed over). */
  eventsInFlight(): Array<{ id: number; name: string; env: readonly string[] }> {
    return [...this.core.queue.events.values()].map((ev) => ({ id: ev.id, name: ev.name, env: ev.env }));
  }

  /** Resolves once event `id` has finished, failed or not; at once when there is no such event (any more). */
  eventFinished(id: number): Promise<void> {
    if (this.core.queue.get(id) === undefined) return Promise.resolve();
    return new Promise((resolve) => this.core.queue.wait(id, { resolve, reject: () => resolve() }));
  }

  /**
   * A lifecycle event emitted on behalf of a service the daemon does not run as a job (a SysV init
   * script, docs/sysv.md): JOB=service INSTANCE= come first, and `started SERVICE` leaves follow it
   * as they follow a job (DESIGN §3.1). With wait, resolves once the jobs it moved have settled.
   */
  serviceEvent(name: JobEventName, service: string, env: string[], wait: boolean): Promise<void> {
    const bad = env.find((e) => !isEnvEntry(e));
    if (bad !== undefined) return Promise.reject(new EngineError('invalid', `Invalid environment entry: ${bad}`));
    // id -1: no job record stands behind it, so finishing the event advances nothing.
    const id = this.core.queueEvent(name, [`JOB=${service}`, 'INSTANCE=', ...env], { name: service, instance: '', id: -1, task: false });
    if (!wait) return Promise.resolve();
    return new Promise((resolve, reject) => this.core.queue.wait(id, { resolve, reject }));
  }

  /** Emits the `startup` event (the daemon calls this once, after loading its configuration). */
  startupEvent(env: string[] = []): Promise<void> {
    return this.emit('startup', env, false);
  }

  /**
   * The staged shutdown (job/shutdown.ts): emits `request.event` if given and lets the jobs it
   * reaches stop as their `stop on` says, then stops every job left in the order the conditions
   * imply; resolves once no job is left. A second call joins the first.
   */
  shutdown(request: ShutdownRequest = {}): Promise<void> {
    return new Promise((resolve) => {
      this.core.shutdownWaiters.push(resolve);
      this.core.enqueue({ kind: 'shutdown', request });
    });
  }

  /** Stops every job instance; resolves once none is left (a shutdown with no event). */
  stopAll(): Promise<void> {
    return this.shutdown({});
  }

  private command(op: CommandOp, job: string, env: string[], wait: boolean): Promise<InstanceStatus> {
    const nul = env.find((e) => e.includes('\0'));
    if (nul !== undefined) return Promise.reject(new EngineError('invalid', `Invalid environment entry ${JSON.stringify(nul)}: it holds a NUL byte`));
    return new Promise((resolve, reject) => {
      const id = this.core.nextId++;
      this.core.waiters.set(id, { op, resolve, reject });
      this.core.enqueue({ kind: 'command', id, op, job, env: [...env], wait });
    });
  }
}
