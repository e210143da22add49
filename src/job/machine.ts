// changeGoal / changeState: the effects of the job state machine (events, processes, timers) through ports.
import { envMerge } from '../events/envList.ts';
import type { JournalEntry } from '../model/engineApi.ts';
import { DEFAULT_RESPAWN_LIMIT, type ConsoleMode, type JobClassSpec, type ProcessName } from '../model/jobClass.ts';
import { goalText, type Goal, type JobState } from '../model/state.ts';
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { ExitInfo, ProcessPort, SpawnRequest } from '../process/port.ts';
import { commandFor } from './command.ts';
import { buildJobEnv, exportedEnv, resultEnv, type EnvContext } from './environment.ts';
import type { JobRecord, ProcessExit } from './job.ts';
import { nextState } from './nextState.ts';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

/** Work the machine hands back to the engine's queue (async completions). */
export type MachineWork =
  | { kind: 'kill-timeout'; job: number }
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
  /** The instance reached waiting: forget it. */
  jobGone(job: JobRecord): void;
  enqueue(work: MachineWork): void;
}

export function jobLabel(job: JobRecord): string {
  return job.instance === '' ? job.name : `${job.name} (${job.instance})`;
}

function describeExit(e: ProcessExit): string {
  if (e.status !== undefined) return `terminated with status ${e.status}`;
  if (e.signal !== undefined) return `killed by ${e.signal} signal`;
  return 'failed';
}

export class JobMachine {
  /** pid → owner; rebuilt from job records on restore. */
  readonly pidIndex = new Map<number, { job: JobRecord; process: ProcessName }>();
  private readonly killTimers = new Map<number, TimerHandle>();

  constructor(private readonly host: MachineHost) {}

  mainAlive(job: JobRecord): boolean {
    return (job.pids.main?.length ?? 0) > 0;
  }

  alive(job: JobRecord, p: ProcessName): boolean {
    return (job.pids[p]?.length ?? 0) > 0;
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
      job.awaitingReady = false;
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

  /** Advances a job whose awaited process or event is done. */
  advance(job: JobRecord): void {
    const n = nextState(job.state, job.goal, this.mainAlive(job));
    if (n !== undefined) this.changeState(job, n);
  }

  private journalState(job: JobRecord): void {
    const c = this.host.clock;
    this.host.journal({ t: c.now(), wall: c.wallNow(), kind: 'state', job: job.name, instance: job.instance, goal: goalText(job.goal), state: job.state });
  }

  /** Effects of entering job.state; returns the next state, or undefined to wait for something. */
  private enter(job: JobRecord, from: JobState): JobState | undefined {
    const spec = this.host.specOf(job);
    const next = (): JobState | undefined => nextState(job.state, job.goal, this.mainAlive(job));
    switch (job.state) {
      case 'starting': {
        if (job.goal === 'respawn') job.goal = 'start';
        job.failed = false;
        delete job.failedProcess;
        delete job.lastExit;
        delete job.failReason;
        job.stopEnv = [];
        job.env = buildJobEnv(spec, this.host.envCtx, job.startEnv, job.instance);
        this.host.armStop(job);
        job.blocker = this.host.emitJobEvent(job, 'starting', exportedEnv(spec, job.env));
        return undefined;
      }
      case 'security':
        return next();
      case 'pre-start': {
        if (spec.tmpfiles.length > 0 && !job.tmpfilesPending) {
          const r = this.runTmpfiles(job, spec);
          if (r === 'wait') return undefined;
          if (r === 'failed') return next();
        }
        return this.runStep(job, 'pre-start', job.env) ? undefined : next();
      }
      case 'spawned': {
        if (spec.process.main === undefined) return next();
        const r = this.spawn(job, 'main', job.env);
        if (r !== 'ok') return next();
        if (spec.expect.kind !== 'none') {
          job.awaitingReady = true;
          return undefined;
        }
        return next();
      }
      case 'post-start':
        return this.runStep(job, 'post-start', job.env) ? undefined : next();
      case 'running': {
        if (from !== 'pre-stop') this.host.emitJobEvent(job, 'started', exportedEnv(spec, job.env));
        if (spec.task && !this.mainAlive(job)) {
          // A task with nothing (left) to run has finished.
          job.goal = 'stop';
          return next();
        }
        if (!spec.task) this.host.release(job);
        return undefined;
      }
      case 'pre-stop': {
        if (!this.mainAlive(job)) return next();
        return this.runStep(job, 'pre-stop', envMerge(job.env, job.stopEnv)) ? undefined : next();
      }
      case 'stopping':
        job.blocker = this.host.emitJobEvent(job, 'stopping', [...resultEnv(job), ...exportedEnv(spec, job.env)]);
        return undefined;
      case 'killed': {
        if (!this.mainAlive(job)) return next();
        for (const pid of job.pids.main ?? []) this.host.port.kill(pid, spec.killSignal, true);
        const ms = Math.max(0, spec.killTimeout) * 1000;
        job.killDeadline = this.host.clock.now() + ms;
        this.killTimers.get(job.id)?.cancel();
        this.killTimers.set(job.id, this.host.clock.setTimer(ms, () => this.host.enqueue({ kind: 'kill-timeout', job: job.id })));
        return undefined;
      }
      case 'post-stop':
        return this.runStep(job, 'post-stop', envMerge(job.env, job.stopEnv, resultEnv(job))) ? undefined : next();
      case 'waiting':
        this.host.emitJobEvent(job, 'stopped', [...resultEnv(job), ...exportedEnv(spec, job.env)]);
        this.host.release(job);
        this.host.jobGone(job);
        return undefined;
    }
  }

  /** Runs an optional step process; true when one was spawned and the job must wait for its exit. */
  private runStep(job: JobRecord, p: ProcessName, env: string[]): boolean {
    const spec = this.host.specOf(job);
    if (spec.process[p] === undefined) return false;
    return this.spawn(job, p, env) === 'ok';
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

  /** The tmpfiles port finished for a job waiting in pre-start. */
  tmpfilesDone(job: JobRecord, error: string | undefined): void {
    if (!job.tmpfilesPending) return;
    job.tmpfilesPending = false;
    if (job.state !== 'pre-start') return;
    if (error !== undefined) {
      this.failJob(job, 'pre-start', `tmpfiles: ${error}`);
      this.advance(job);
      return;
    }
    if (job.goal !== 'start') {
      this.advance(job);
      return;
    }
    const spec = this.host.specOf(job);
    if (spec.process['pre-start'] !== undefined && this.spawn(job, 'pre-start', job.env) === 'ok') return;
    this.advance(job);
  }

  private spawn(job: JobRecord, p: ProcessName, env: string[]): 'ok' | 'failed' {
    const spec = this.host.specOf(job);
    const ps = spec.process[p]!;
    const cmd = commandFor(ps);
    const req: SpawnRequest = {
      job: job.name,
      instance: job.instance,
      process: p,
      argv: cmd.argv,
      env,
      console: spec.console ?? this.host.defaultConsole,
      limits: spec.limits,
      cgroups: spec.cgroups,
      expect: p === 'main' ? spec.expect : { kind: 'none' },
    };
    if (cmd.script !== undefined) req.script = cmd.script;
    if (spec.umask !== undefined) req.umask = spec.umask;
    if (spec.nice !== undefined) req.nice = spec.nice;
    if (spec.oomScore !== undefined) req.oomScoreAdj = spec.oomScore === 'never' ? -1000 : spec.oomScore;
    if (spec.chroot !== undefined) req.chroot = spec.chroot;
    if (spec.chdir !== undefined) req.chdir = spec.chdir;
    if (spec.setuid !== undefined) req.setuid = spec.setuid;
    if (spec.setgid !== undefined) req.setgid = spec.setgid;
    const c = this.host.clock;
    let r;
    try {
      r = this.host.port.spawn(req);
    } catch (err) {
      r = { ok: false as const, stage: 'spawn', errno: 0, code: (err as { code?: string }).code ?? 'EUNKNOWN', message: (err as Error).message };
    }
    if (r.ok) {
      job.pids[p] = [r.pid];
      this.pidIndex.set(r.pid, { job, process: p });
      this.host.journal({ t: c.now(), wall: c.wallNow(), kind: 'spawn', job: job.name, instance: job.instance, process: p, pid: r.pid });
      this.host.log('debug', `${jobLabel(job)} ${p} process (${r.pid})`);
      return 'ok';
    }
    const detail = r.stage === 'exec' || r.stage === '' ? r.message : `${r.stage}: ${r.message}`;
    this.host.journal({ t: c.now(), wall: c.wallNow(), kind: 'spawn-failed', job: job.name, instance: job.instance, process: p, message: detail });
    this.host.log('warn', `Failed to spawn ${jobLabel(job)} ${p} process: ${detail} (${r.code}, errno ${r.errno})`);
    this.failJob(job, p, `${p} process: ${detail}`);
    return 'failed';
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

  /** A tracked process ended. */
  exited(info: ExitInfo): void {
    const owner = this.pidIndex.get(info.pid);
    if (owner === undefined) {
      this.host.log('debug', `exit of untracked pid ${info.pid}`);
      return;
    }
    this.pidIndex.delete(info.pid);
    const { job, process: p } = owner;
    const left = (job.pids[p] ?? []).filter((x) => x !== info.pid);
    if (left.length > 0) job.pids[p] = left;
    else delete job.pids[p];
    const exit: ProcessExit = info.kind === 'exited' ? { process: p, status: info.status } : { process: p, signal: info.signal };
    const c = this.host.clock;
    const e: JournalEntry = { t: c.now(), wall: c.wallNow(), kind: 'exit', job: job.name, instance: job.instance, process: p, pid: info.pid };
    if (info.kind === 'exited') e.status = info.status;
    else e.signal = info.signal;
    this.host.journal(e);
    if (left.length > 0) return; // other pids of the slot still live
    const ok = info.kind === 'exited' && info.status === 0;
    // An exit the job did not ask for is worth a warning; one that a stop caused is not.
    if (!ok) this.host.log(p === 'main' && job.goal !== 'stop' ? 'warn' : 'info', `${jobLabel(job)} ${p} process (${info.pid}) ${describeExit(exit)}`);
    if (p === 'main') {
      this.mainExited(job, exit, info);
      return;
    }
    if (!ok) {
      job.lastExit = exit;
      this.failJob(job, p, `${p} process ${describeExit(exit)}`);
    }
    if (job.state === p) this.advance(job);
  }

  private mainExited(job: JobRecord, exit: ProcessExit, info: ExitInfo): void {
    const spec = this.host.specOf(job);
    // After another process failed (post-start, pre-stop), its exit is the one stopping/stopped report.
    if (!job.failed || job.failedProcess === 'main') job.lastExit = exit;
    if (job.state === 'killed') {
      this.killTimers.get(job.id)?.cancel();
      this.killTimers.delete(job.id);
      delete job.killDeadline;
      this.advance(job);
      return;
    }
    const live = ['spawned', 'post-start', 'running', 'pre-stop'].includes(job.state);
    if (live && job.goal === 'start') {
      const listed = info.kind === 'exited' ? spec.normalExit.statuses.includes(info.status) : spec.normalExit.signals.includes(info.signal);
      const clean = info.kind === 'exited' && info.status === 0;
      if (spec.respawn && !(listed || (spec.task && clean))) {
        if (this.respawnLimitHit(job, spec)) {
          this.host.log('warn', `${jobLabel(job)} respawning too fast, stopped`);
          this.failJob(job, 'respawn', 'respawning too fast');
        } else {
          this.host.log('info', `${jobLabel(job)} main process ended, respawning`);
          job.goal = 'respawn';
          this.journalState(job);
        }
      } else {
        if (!(clean || listed)) this.failJob(job, 'main', `main process ${describeExit(exit)}`);
        else {
          job.goal = 'stop';
          this.journalState(job);
        }
      }
    }
    if (job.state === 'running') this.advance(job);
    else if (job.state === 'spawned') {
      job.awaitingReady = false;
      this.advance(job);
    }
    // post-start / pre-stop: the step process finishing moves the job on.
    else if ((job.state === 'post-start' && !this.alive(job, 'post-start')) || (job.state === 'pre-stop' && !this.alive(job, 'pre-stop'))) {
      this.advance(job);
    }
  }

  private respawnLimitHit(job: JobRecord, spec: JobClassSpec): boolean {
    const lim = spec.respawnLimit ?? DEFAULT_RESPAWN_LIMIT;
    if (lim === 'unlimited' || lim.count === 0 || lim.interval === 0) return false;
    const now = this.host.clock.now();
    if (job.respawnCount === 0 || now - job.respawnSince > lim.interval * 1000) {
      job.respawnSince = now;
      job.respawnCount = 0;
    }
    job.respawnCount++;
    return job.respawnCount > lim.count;
  }

  /** expect stop/fork/daemon: the port found the process to track. */
  ready(spawnedPid: number, pid: number): void {
    const owner = this.pidIndex.get(spawnedPid);
    if (owner === undefined || owner.process !== 'main') return;
    const { job } = owner;
    const spec = this.host.specOf(job);
    if (pid !== spawnedPid) {
      this.pidIndex.delete(spawnedPid);
      job.pids.main = [...(job.pids.main ?? []).filter((x) => x !== spawnedPid), pid];
      this.pidIndex.set(pid, { job, process: 'main' });
    }
    if (spec.expect.kind === 'stop') this.host.port.resume(pid);
    if (job.state === 'spawned' && job.awaitingReady) {
      job.awaitingReady = false;
      this.advance(job);
    }
  }

  /** Kill timeout expired: SIGKILL what is left of the main process. */
  killTimeout(job: JobRecord): void {
    this.killTimers.delete(job.id);
    delete job.killDeadline;
    if (job.state !== 'killed') return;
    for (const pid of job.pids.main ?? []) {
      this.host.log('warn', `${jobLabel(job)} main process (${pid}) killed by KILL signal after kill timeout`);
      this.host.port.kill(pid, 'KILL', true);
    }
  }

  forget(job: JobRecord): void {
    this.killTimers.get(job.id)?.cancel();
    this.killTimers.delete(job.id);
  }
}
