// JobMachine: executes the reaction table's Steps, setGoal/changeGoal, and the effects of entering each job state.
import type { ConditionState } from '../events/conditionState.ts';
import { envMerge } from '../events/envList.ts';
import type { JournalEntry } from '../model/engineApi.ts';
import { DEFAULT_READY_TIMEOUT, type ConsoleMode, type JobClassSpec, type KillMode, type ProcessName } from '../model/jobClass.ts';
import { goalText, type Goal, type JobState } from '../model/state.ts';
import { type Clock, type TimerHandle } from '../platform/clock.ts';
import type { InstanceRef, ProcessPort } from '../process/port.ts';
import { buildJobEnv, exportedEnv, resultEnv, type EnvContext } from './environment.ts';
import { NO_WAIT, type JobRecord, type ProcessExit, type StepProcess, type Wait } from './job.ts';
import { nextState } from './nextState.ts';
import { react, type Input, type Step } from './reactions.ts';
import { respawnLimitHit, respawnLimitText } from './mainExit.ts';
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
  /** `expect CONDITION`: builds and arms the readiness condition (its value says if it already holds). */
  armReady(job: JobRecord): ConditionState;
  /** Drops the job's readiness condition (ready, or leaving spawned). */
  disarmReady(job: JobRecord): void;
  /** The instance reached waiting: forget it. */
  jobGone(job: JobRecord): void;
  enqueue(work: MachineWork): void;
}

/** What an executed Step may need to know about the input behind it (exit details, error text). */
export interface InputDetail {
  exit?: ProcessExit;
  pid?: number;
  error?: string;
}

export function describeExit(e: ProcessExit): string {
  if (e.status !== undefined) return `terminated with status ${e.status}`;
  if (e.signal !== undefined) return `killed by ${e.signal} signal`;
  return 'failed';
}

export class JobMachine {
  readonly procs: ProcessTable;

  constructor(readonly host: MachineHost) {
    this.procs = new ProcessTable(host);
  }

  mainAlive(job: JobRecord): boolean {
    return (job.pids.main?.length ?? 0) > 0;
  }

  /** The one place a job's goal changes (journalled unless the state change right after says it). */
  setGoal(job: JobRecord, goal: Goal, journal = true): void {
    if (job.goal === goal) return;
    job.goal = goal;
    if (journal) this.journalState(job);
  }

  /** Sets the goal and moves a job that was at rest in a state that only a goal change leaves. */
  changeGoal(job: JobRecord, goal: Goal): void {
    if (job.goal === goal) return;
    this.setGoal(job, goal);
    this.react(job, { kind: 'goal-changed' });
  }

  /** Feeds an input to the reaction table and executes the Steps it gives. */
  react(job: JobRecord, input: Input, detail: InputDetail = {}): void {
    const spec = this.host.specOf(job);
    const facts = { goal: job.goal, mainAlive: this.mainAlive(job), readyExits: spec.expect.kind === 'exit' ? spec.expect.count : 0 };
    for (const step of react(job.state, job.wait, input, facts)) this.apply(job, step, detail);
  }

  /** Executes one Step of the reaction table. */
  private apply(job: JobRecord, step: Step, d: InputDetail): void {
    switch (step.do) {
      case 'set-wait':
        return this.setWait(job, step.wait);
      case 'set-goal':
        return this.setGoal(job, step.goal);
      case 'respawn':
        return this.respawn(job);
      case 'fail': {
        const reason =
          step.why === 'exit' ? `${step.process} process ${describeExit(d.exit ?? { process: step.process })}`
          : step.why === 'tmpfiles' ? `tmpfiles: ${d.error ?? 'failed'}`
          : step.why === 'spawn' ? `${step.process} process: ${d.error ?? 'failed'}`
          : this.readyTimeoutReason(job);
        if (step.why === 'tmpfiles') this.host.log('warn', `${jobLabel(job)}: tmpfiles failed: ${d.error ?? 'failed'}`);
        if (step.why === 'spawn') job.spawnError ??= reason;
        return this.failJob(job, step.process, reason);
      }
      case 'report-exit': {
        if (d.exit === undefined) return;
        const p = d.exit.process;
        // An exit the job did not ask for is worth a warning; one that a stop caused is not.
        this.host.log(p === 'main' && job.goal !== 'stop' ? 'warn' : 'info', `${jobLabel(job)} ${p} process (${d.pid}) ${describeExit(d.exit)}`);
        return;
      }
      case 'note-exit':
        // After another process failed (post-start, pre-stop), its exit is the one stopping/stopped report.
        if (d.exit !== undefined && (d.exit.process !== 'main' || !job.failed || job.failedProcess === 'main')) job.lastExit = d.exit;
        return;
      case 'ready-exit': {
        const w = job.wait;
        if (w.kind !== 'ready' || w.by !== 'exits') return;
        const ex = this.host.specOf(job).expect;
        this.host.log('debug', `${jobLabel(job)} main process (${d.pid}) exited before ready (${step.seen} of ${ex.kind === 'exit' ? ex.count : 0})`);
        job.wait = { ...w, exits: step.seen };
        return;
      }
      case 'ready-timed-out':
        this.host.log('warn', `${jobLabel(job)} ${this.readyTimeoutReason(job)}`);
        if (!job.failed) job.readyTimeoutHit = true;
        return;
      case 'kill-main': {
        const pids = job.pids.main ?? [];
        for (const pid of pids) if (pid > 0) this.host.log('warn', `${jobLabel(job)} main process (${pid}) killed by KILL signal after kill timeout`);
        // process: only main; cgroup and mixed: the whole job.
        this.host.port.signal(instanceOf(job), killModeOf(this.host.specOf(job)) === 'process' ? 'main' : 'cgroup', 'KILL', pids);
        return;
      }
      case 'kill-leftovers':
        return this.killLeftovers(job);
      case 'await-ready':
        this.setWait(job, NO_WAIT);
        if (!this.awaitReady(job, this.host.specOf(job))) this.advance(job);
        return;
      case 'run-step':
        if (this.runStep(job, step.process, job.env)) this.setWait(job, { kind: 'process', process: step.process });
        else this.advance(job);
        return;
      case 'advance':
        return this.advance(job);
      case 'enter':
        return this.changeState(job, step.state);
    }
  }

  /** Replaces what the job waits for; drops the timer or condition the old wait armed. */
  setWait(job: JobRecord, wait: Wait): void {
    const old = job.wait;
    if (old.kind === 'ready') {
      this.cancelReadyTimer(job);
      this.host.disarmReady(job);
    } else if (old.kind === 'kill' && old.deadline !== undefined) {
      this.procs.cancelKillTimer(job);
    }
    job.wait = wait;
  }

  /** SIGKILL to what is left in the job's cgroup, unless `kill mode process` leaves the rest alone. */
  private killLeftovers(job: JobRecord): void {
    if (killModeOf(this.host.specOf(job)) === 'process') return;
    this.host.port.signal(instanceOf(job), 'cgroup', 'KILL', []);
  }

  /** Counts a respawn against the limit (init(5) `respawn limit`): goal respawn, or the job fails. */
  private respawn(job: JobRecord): void {
    if (respawnLimitHit(this.host.clock.now(), job, this.host.specOf(job))) {
      this.host.log('warn', `${jobLabel(job)} respawning too fast, stopped`);
      this.failJob(job, 'respawn', respawnLimitText(this.host.specOf(job)));
    } else {
      // At warn, as Upstart logs it: the line admins look for in syslog next to the exit's.
      this.host.log('warn', `${jobLabel(job)} main process ended, respawning`);
      this.setGoal(job, 'respawn');
    }
  }

  /** Moves a job to `target` and on through every state that needs no waiting. */
  changeState(job: JobRecord, target: JobState): void {
    let next: JobState | undefined = target;
    let guard = 0;
    while (next !== undefined) {
      if (++guard > 64) throw new Error(`job ${jobLabel(job)}: state machine did not settle`);
      const from = job.state;
      if (job.wait.kind !== 'none') this.setWait(job, NO_WAIT);
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

  /** Readiness timers by job id (`ready timeout`, DEFAULT_READY_TIMEOUT); the deadline is in the wait. */
  private readonly readyTimers = new Map<number, TimerHandle>();

  /** Arms the readiness timer for a job that waits in spawned, until `deadline` (monotonic ms). */
  armReadyTimer(job: JobRecord, deadline: number): void {
    if (job.wait.kind !== 'ready') return;
    this.readyTimers.get(job.id)?.cancel();
    job.wait = { ...job.wait, deadline };
    const id = job.id;
    this.readyTimers.set(id, this.host.clock.setTimer(Math.max(0, deadline - this.host.clock.now()), () => this.host.enqueue({ kind: 'ready-timeout', job: id })));
  }

  private cancelReadyTimer(job: JobRecord): void {
    this.readyTimers.get(job.id)?.cancel();
    this.readyTimers.delete(job.id);
  }

  /** Arms the kill timer of a job in killed (SIGKILL due at `deadline`, monotonic ms). */
  armKillTimer(job: JobRecord, deadline: number): void {
    const id = job.id;
    const ms = Math.max(0, deadline - this.host.clock.now());
    this.procs.armKillTimer(job, ms, () => this.host.enqueue({ kind: 'kill-timeout', job: id }));
    job.wait = { kind: 'kill', deadline: this.host.clock.now() + ms };
  }

  private readyTimeoutReason(job: JobRecord): string {
    const spec = this.host.specOf(job);
    const secs = spec.readyTimeout ?? DEFAULT_READY_TIMEOUT;
    const what = spec.expect.kind === 'exit' ? `expect exit ${spec.expect.count}` : spec.expect.kind === 'event' ? 'expect CONDITION' : `expect ${spec.expect.kind}`;
    return `main process: not ready after ${secs} s (${what}; see 'ready timeout')`;
  }

  journalState(job: JobRecord): void {
    const c = this.host.clock;
    // A literal of one shape (no spread): this runs for every state change of every job.
    this.host.journal({ t: c.now(), wall: c.wallNow(), kind: 'state', job: job.name, instance: job.instance, goal: goalText(job.goal), state: job.state });
  }

  /** Effects of entering job.state; returns the next state, or undefined to wait for something. */
  private enter(job: JobRecord, from: JobState): JobState | undefined {
    const spec = this.host.specOf(job);
    switch (job.state) {
      case 'starting': {
        if (job.goal === 'respawn') this.setGoal(job, 'start', false);
        job.failed = false;
        delete job.failedProcess;
        delete job.lastExit;
        delete job.failReason;
        delete job.spawnError;
        delete job.readyTimeoutHit;
        job.stopEnv = [];
        job.env = buildJobEnv(spec, this.host.envCtx, job.startEnv, job.instance);
        this.host.armStop(job);
        job.wait = { kind: 'event', event: this.host.emitJobEvent(job, 'starting', exportedEnv(spec, job.env)) };
        return undefined;
      }
      case 'security':
        return this.next(job);
      case 'pre-start': {
        if (spec.tmpfiles.length > 0) {
          const r = this.runTmpfiles(job, spec);
          if (r === 'wait') return undefined;
          if (r === 'failed') return this.next(job);
        }
        return this.waitStep(job, 'pre-start', job.env) ? undefined : this.next(job);
      }
      case 'spawned':
        return this.enterSpawned(job, spec) ? undefined : this.next(job);
      case 'post-start':
        return this.waitStep(job, 'post-start', job.env) ? undefined : this.next(job);
      case 'running': {
        if (from !== 'pre-stop') this.host.emitJobEvent(job, 'started', exportedEnv(spec, job.env));
        if (spec.task && !this.mainAlive(job)) {
          // A task with nothing (left) to run has finished.
          this.setGoal(job, 'stop', false);
          return this.next(job);
        }
        if (!spec.task) this.host.release(job);
        return undefined;
      }
      case 'pre-stop': {
        if (!this.mainAlive(job)) return this.next(job);
        return this.waitStep(job, 'pre-stop', () => envMerge(job.env, job.stopEnv)) ? undefined : this.next(job);
      }
      case 'stopping':
        job.wait = { kind: 'event', event: this.host.emitJobEvent(job, 'stopping', [...resultEnv(job, this.mainAlive(job)), ...exportedEnv(spec, job.env)]) };
        return undefined;
      case 'killed': {
        if (!this.mainAlive(job)) {
          // Main ended by itself. Before a respawn (and when respawning stopped at the limit) the job's
          // cgroup is emptied: a leftover worker holding the listen socket would make every new main
          // fail. Otherwise leftovers stay, as in Upstart.
          if (job.goal === 'respawn' || job.failedProcess === 'respawn') this.killLeftovers(job);
          return this.next(job);
        }
        // cgroup: every process of the job; process and mixed: the main process only.
        this.host.port.signal(instanceOf(job), killModeOf(spec) === 'cgroup' ? 'cgroup' : 'main', spec.killSignal, job.pids.main ?? []);
        this.armKillTimer(job, this.host.clock.now() + Math.max(0, spec.killTimeout) * 1000);
        return undefined;
      }
      case 'post-stop':
        return this.waitStep(job, 'post-stop', () => envMerge(job.env, job.stopEnv, resultEnv(job, false))) ? undefined : this.next(job);
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
    const r = this.spawn(job, 'main', job.env);
    if (r === false) return false;
    if (r === 'pending') {
      // Not started until it exec'd: a failed exec still fails the start (reactions.ts execDone).
      job.wait = { kind: 'exec' };
      return true;
    }
    return this.awaitReady(job, spec);
  }

  /** Main is running: true when the job must wait in spawned for its readiness (expect), with the wait armed. */
  private awaitReady(job: JobRecord, spec: JobClassSpec): boolean {
    const ex = spec.expect;
    if (ex.kind === 'none' || (ex.kind === 'exit' && ex.count <= 0)) return false;
    if (ex.kind === 'exit') job.wait = { kind: 'ready', by: 'exits', exits: 0 };
    else if (ex.kind === 'event') {
      job.wait = { kind: 'ready', by: 'condition', cond: this.host.armReady(job) };
      if (job.wait.cond.value) {
        this.setWait(job, NO_WAIT);
        return false;
      }
    } else job.wait = { kind: 'ready', by: 'port' };
    const secs = spec.readyTimeout ?? DEFAULT_READY_TIMEOUT;
    if (secs > 0) this.armReadyTimer(job, this.host.clock.now() + secs * 1000);
    return true;
  }

  /**
   * Runs an optional step process; true when one was spawned and the job waits for its exit. `env` may be a
   * function: the merge it makes (the whole job environment, in session mode init's own) is done only when the
   * job has that process.
   */
  private waitStep(job: JobRecord, p: StepProcess, env: string[] | (() => string[])): boolean {
    if (!this.runStep(job, p, env)) return false;
    job.wait = { kind: 'process', process: p };
    return true;
  }

  /** Runs an optional step process; true when one was spawned (its exec maybe still pending). */
  private runStep(job: JobRecord, p: ProcessName, env: string[] | (() => string[])): boolean {
    const spec = this.host.specOf(job);
    if (spec.process[p] === undefined) return false;
    return this.spawn(job, p, typeof env === 'function' ? env() : env) !== false;
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
    job.wait = { kind: 'tmpfiles' };
    (r as Promise<void>).then(
      () => this.host.enqueue({ kind: 'tmpfiles', job: job.id }),
      (err: unknown) => this.host.enqueue({ kind: 'tmpfiles', job: job.id, error: (err as Error)?.message ?? String(err) }),
    );
    return 'wait';
  }

  /** Applies tmpfiles again for a job restored while they were being applied (they are idempotent). */
  resumeTmpfiles(job: JobRecord): void {
    if (job.wait.kind !== 'tmpfiles' || job.state !== 'pre-start') return;
    this.setWait(job, NO_WAIT);
    const r = this.runTmpfiles(job, this.host.specOf(job));
    if (r === 'wait') return;
    if (r === 'done') {
      job.wait = { kind: 'tmpfiles' };
      this.react(job, { kind: 'tmpfiles-done', failed: false });
    } else this.advance(job);
  }

  /**
   * Spawns process p of the job: 'running', or 'pending' while its exec is not confirmed (the
   * port's execed comes later: exits.ts processExeced); false (and the job failed) if it could not be started.
   */
  private spawn(job: JobRecord, p: ProcessName, env: string[]): 'running' | 'pending' | false {
    const spec = this.host.specOf(job);
    const r = this.procs.spawn(spawnRequest(spec, job, p, env, this.host.defaultConsole), job);
    if (r.ok) return r.pending ? 'pending' : 'running';
    job.spawnError ??= `${p} process: ${r.detail}`;
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
    this.setGoal(job, 'stop');
  }

  forget(job: JobRecord): void {
    this.cancelReadyTimer(job);
    this.procs.forget(job);
  }
}

/** The job's kill mode (`kill mode`, ours; default cgroup). */
export function killModeOf(spec: JobClassSpec): KillMode {
  return spec.killMode ?? 'cgroup';
}

function instanceOf(job: JobRecord): InstanceRef {
  return { job: job.name, instance: job.instance };
}
