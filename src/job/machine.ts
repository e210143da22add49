// changeGoal / changeState: the effects of entering each job state (events, processes, timers) through ports.
import { envMerge } from '../events/envList.ts';
import type { JournalEntry } from '../model/engineApi.ts';
import { DEFAULT_READY_TIMEOUT, type ConsoleMode, type JobClassSpec, type ProcessName } from '../model/jobClass.ts';
import { goalText, type Goal, type JobState } from '../model/state.ts';
import { stamp, type Clock, type TimerHandle } from '../platform/clock.ts';
import type { ProcessPort } from '../process/port.ts';
import { buildJobEnv, exportedEnv, resultEnv, type EnvContext } from './environment.ts';
import type { JobRecord } from './job.ts';
import { nextState } from './nextState.ts';
import { jobLabel, ProcessTable, spawnRequest } from './processTable.ts';
import type { LogFn } from '../model/log.ts';

export { jobLabel } from './processTable.ts';
export type { LogFn } from '../model/log.ts';

/** Work the machine hands back to the engine's queue (async completions). */
export type MachineWork =
  | { kind: 'kill-timeout'; job: number }
  | { kind: 'ready-timeout'; job: number }
  | { kind: 'tmpfiles'; job: number; error?: string };

/** What the state machine needs from the engine around it. */
export interface MachineHost {
  readonly port: ProcessPort;
  readonly clock: Clock;
  readonly log: LogFn;
  readonly envCtx: EnvContext;
  readonly defaultConsole: ConsoleMode;
  readonly tmpfiles: ((paths: string[], env: string[]) => Promise<void> | void) | undefined;
  specOf(job: JobRecord): JobClassSpec;
  journal(entry: JournalEntry): void;
  /** Queues a lifecycle event for the job; returns its id. */
  emitJobEvent(job: JobRecord, name: 'starting' | 'started' | 'stopping' | 'stopped', env: string[]): number;
  /** Releases everyone waiting for this job to reach its goal. */
  release(job: JobRecord): void;
  /** Builds the job's stop condition from its fresh environment. */
  armStop(job: JobRecord): void;
  /** `expect CONDITION`: arms the readiness condition; true if it already holds. */
  armReady(job: JobRecord): boolean;
  /** Drops the readiness condition (ready, or leaving spawned). */
  disarmReady(job: JobRecord): void;
  /** The instance reached waiting: forget it. */
  jobGone(job: JobRecord): void;
  enqueue(work: MachineWork): void;
}

export class JobMachine {
  readonly procs: ProcessTable;

  constructor(readonly host: MachineHost) {
    this.procs = new ProcessTable(host);
  }

  mainAlive(job: JobRecord): boolean {
    return (job.pids.main?.length ?? 0) > 0;
  }

  /** Sets the goal and moves a job that was at rest in a state that only a goal change leaves. */
  changeGoal(job: JobRecord, goal: Goal): void {
    if (job.goal === goal) return;
    job.goal = goal;
    this.journalState(job);
    if (goal !== 'stop' && job.state === 'waiting') {
      this.changeState(job, 'starting');
    } else if (goal !== 'start' && job.state === 'running') {
      this.changeState(job, nextState('running', goal, this.mainAlive(job))!);
    } else if (goal !== 'start' && job.state === 'spawned' && job.awaitingReady) {
      this.clearReady(job);
      this.changeState(job, 'stopping');
    }
  }

  /** Moves a job to `target` and on through every state that needs no waiting. */
  changeState(job: JobRecord, target: JobState): void {
    let next: JobState | undefined = target;
    let guard = 0;
    while (next !== undefined) {
      if (++guard > 64) throw new Error(`job ${jobLabel(job)}: state machine did not settle`);
      const from = job.state;
      job.state = next;
      this.journalState(job);
      next = this.enter(job, from);
    }
  }

  private next(job: JobRecord): JobState | undefined {
    return nextState(job.state, job.goal, this.mainAlive(job));
  }

  /** Advances a job whose awaited process or event is done. */
  advance(job: JobRecord): void {
    const n = this.next(job);
    if (n !== undefined) this.changeState(job, n);
  }

  /** The job no longer waits in spawned for readiness. */
  clearReady(job: JobRecord): void {
    job.awaitingReady = false;
    delete job.readyExits;
    this.cancelReadyTimer(job);
    this.host.disarmReady(job);
  }

  /** Readiness timers by job id (`ready timeout`, DEFAULT_READY_TIMEOUT); the deadline is on the record. */
  private readonly readyTimers = new Map<number, TimerHandle>();

  /** Arms the readiness timer for a job that waits in spawned, until `deadline` (monotonic ms). */
  armReadyTimer(job: JobRecord, deadline: number): void {
    this.readyTimers.get(job.id)?.cancel();
    job.readyDeadline = deadline;
    const id = job.id;
    this.readyTimers.set(id, this.host.clock.setTimer(Math.max(0, deadline - this.host.clock.now()), () => this.host.enqueue({ kind: 'ready-timeout', job: id })));
  }

  private cancelReadyTimer(job: JobRecord): void {
    this.readyTimers.get(job.id)?.cancel();
    this.readyTimers.delete(job.id);
    delete job.readyDeadline;
  }

  /** The readiness wait ran out: the main process failed to become ready; the job stops. */
  readyTimedOut(job: JobRecord): void {
    if (job.state !== 'spawned' || !job.awaitingReady) return;
    const spec = this.host.specOf(job);
    const secs = spec.readyTimeout ?? DEFAULT_READY_TIMEOUT;
    const what = spec.expect.kind === 'exit' ? `expect exit ${spec.expect.count}` : spec.expect.kind === 'event' ? 'expect CONDITION' : `expect ${spec.expect.kind}`;
    const reason = `main process: not ready after ${secs} s (${what}; see 'ready timeout')`;
    this.host.log('warn', `${jobLabel(job)} ${reason}`);
    this.clearReady(job);
    if (!job.failed) job.readyTimeoutHit = true;
    this.failJob(job, 'main', reason);
    this.advance(job);
  }

  journalState(job: JobRecord): void {
    const c = this.host.clock;
    this.host.journal({ ...stamp(c), kind: 'state', job: job.name, instance: job.instance, goal: goalText(job.goal), state: job.state });
  }

  /** Effects of entering job.state; returns the next state, or undefined to wait for something. */
  private enter(job: JobRecord, from: JobState): JobState | undefined {
    const spec = this.host.specOf(job);
    switch (job.state) {
      case 'starting': {
        if (job.goal === 'respawn') job.goal = 'start';
        job.failed = false;
        delete job.failedProcess;
        delete job.lastExit;
        delete job.failReason;
        delete job.readyTimeoutHit;
        job.stopEnv = [];
        job.env = buildJobEnv(spec, this.host.envCtx, job.startEnv, job.instance);
        this.host.armStop(job);
        job.blocker = this.host.emitJobEvent(job, 'starting', exportedEnv(spec, job.env));
        return undefined;
      }
      case 'security':
        return this.next(job);
      case 'pre-start': {
        if (spec.tmpfiles.length > 0 && !job.tmpfilesPending) {
          const r = this.runTmpfiles(job, spec);
          if (r === 'wait') return undefined;
          if (r === 'failed') return this.next(job);
        }
        return this.runStep(job, 'pre-start', job.env) ? undefined : this.next(job);
      }
      case 'spawned':
        return this.enterSpawned(job, spec) ? undefined : this.next(job);
      case 'post-start':
        return this.runStep(job, 'post-start', job.env) ? undefined : this.next(job);
      case 'running': {
        if (from !== 'pre-stop') this.host.emitJobEvent(job, 'started', exportedEnv(spec, job.env));
        if (spec.task && !this.mainAlive(job)) {
          // A task with nothing (left) to run has finished.
          job.goal = 'stop';
          return this.next(job);
        }
        if (!spec.task) this.host.release(job);
        return undefined;
      }
      case 'pre-stop': {
        if (!this.mainAlive(job)) return this.next(job);
        return this.runStep(job, 'pre-stop', envMerge(job.env, job.stopEnv)) ? undefined : this.next(job);
      }
      case 'stopping':
        job.blocker = this.host.emitJobEvent(job, 'stopping', [...resultEnv(job, this.mainAlive(job)), ...exportedEnv(spec, job.env)]);
        return undefined;
      case 'killed': {
        if (!this.mainAlive(job)) return this.next(job);
        for (const pid of job.pids.main ?? []) this.host.port.kill(pid, spec.killSignal, true);
        const ms = Math.max(0, spec.killTimeout) * 1000;
        this.procs.armKillTimer(job, ms, () => this.host.enqueue({ kind: 'kill-timeout', job: job.id }));
        return undefined;
      }
      case 'post-stop':
        return this.runStep(job, 'post-stop', envMerge(job.env, job.stopEnv, resultEnv(job, false))) ? undefined : this.next(job);
      case 'waiting':
        this.host.emitJobEvent(job, 'stopped', [...resultEnv(job, false), ...exportedEnv(spec, job.env)]);
        this.host.release(job);
        this.host.jobGone(job);
        return undefined;
    }
  }

  /**
   * Runs main; true when the job must wait in spawned: for the port's ready() (expect stop, fork,
   * daemon), for N exits of its main processes (expect exit N), or for a condition (expect CONDITION).
   */
  private enterSpawned(job: JobRecord, spec: JobClassSpec): boolean {
    if (spec.process.main === undefined) return false;
    if (!this.spawn(job, 'main', job.env)) return false;
    const ex = spec.expect;
    if (ex.kind === 'none' || (ex.kind === 'exit' && ex.count <= 0)) return false;
    job.awaitingReady = true;
    if (ex.kind === 'exit') job.readyExits = 0;
    if (ex.kind === 'event' && this.host.armReady(job)) {
      this.clearReady(job);
      return false;
    }
    const secs = spec.readyTimeout ?? DEFAULT_READY_TIMEOUT;
    if (secs > 0) this.armReadyTimer(job, this.host.clock.now() + secs * 1000);
    return true;
  }

  /** Runs an optional step process; true when one was spawned and the job must wait for its exit. */
  private runStep(job: JobRecord, p: ProcessName, env: string[]): boolean {
    const spec = this.host.specOf(job);
    if (spec.process[p] === undefined) return false;
    return this.spawn(job, p, env);
  }

  private runTmpfiles(job: JobRecord, spec: JobClassSpec): 'done' | 'wait' | 'failed' {
    const fn = this.host.tmpfiles;
    if (fn === undefined) {
      this.host.log('warn', `${jobLabel(job)}: tmpfiles ${spec.tmpfiles.join(' ')} not applied: no tmpfiles handler`);
      return 'done';
    }
    let r: Promise<void> | void;
    try {
      r = fn([...spec.tmpfiles], [...job.env]);
    } catch (err) {
      this.failJob(job, 'pre-start', `tmpfiles: ${(err as Error).message}`);
      return 'failed';
    }
    if (r === undefined || typeof (r as Promise<void>).then !== 'function') return 'done';
    job.tmpfilesPending = true;
    (r as Promise<void>).then(
      () => this.host.enqueue({ kind: 'tmpfiles', job: job.id }),
      (err: unknown) => this.host.enqueue({ kind: 'tmpfiles', job: job.id, error: (err as Error)?.message ?? String(err) }),
    );
    return 'wait';
  }

  /** Applies tmpfiles again for a job restored while they were being applied (they are idempotent). */
  resumeTmpfiles(job: JobRecord): void {
    if (!job.tmpfilesPending || job.state !== 'pre-start') return;
    job.tmpfilesPending = false;
    const r = this.runTmpfiles(job, this.host.specOf(job));
    if (r === 'done') this.tmpfilesDone(job, undefined, true);
    else if (r === 'failed') this.advance(job);
  }

  /** The tmpfiles port finished for a job waiting in pre-start. */
  tmpfilesDone(job: JobRecord, error: string | undefined, force = false): void {
    if (!job.tmpfilesPending && !force) return;
    job.tmpfilesPending = false;
    if (job.state !== 'pre-start') return;
    if (error !== undefined) {
      this.host.log('warn', `${jobLabel(job)}: tmpfiles failed: ${error}`);
      this.failJob(job, 'pre-start', `tmpfiles: ${error}`);
      this.advance(job);
      return;
    }
    if (job.goal !== 'start') {
      this.advance(job);
      return;
    }
    const spec = this.host.specOf(job);
    if (spec.process['pre-start'] !== undefined && this.spawn(job, 'pre-start', job.env)) return;
    this.advance(job);
  }

  /** Spawns process p of the job; false (and the job failed) if it could not be started. */
  private spawn(job: JobRecord, p: ProcessName, env: string[]): boolean {
    const spec = this.host.specOf(job);
    const r = this.procs.spawn(spawnRequest(spec, job, p, env, this.host.defaultConsole), job);
    if (r.ok) return true;
    this.failJob(job, p, `${p} process: ${r.detail}`);
    return false;
  }

  /** Marks the job failed (first failure wins) and sets its goal to stop. */
  failJob(job: JobRecord, p: ProcessName | 'respawn', reason: string): void {
    if (!job.failed) {
      job.failed = true;
      job.failedProcess = p;
      job.failReason = reason;
    }
    if (job.goal !== 'stop') {
      job.goal = 'stop';
      this.journalState(job);
    }
  }

  forget(job: JobRecord): void {
    this.cancelReadyTimer(job);
    this.procs.forget(job);
  }
}
