// Custom actions: runs `action NAME` of a running instance in its environment, cgroup, user and console; waits; emits `action`.
import { envMerge, isEnvEntry } from '../events/envList.ts';
import { spawnRequestFor } from '../job/processTable.ts';
import type { ActionRequest, ActionResult } from '../model/actions.ts';
import { EngineError, type EngineApi, type InstanceFacts, type JournalEntry } from '../model/engineApi.ts';
import { instanceLabel } from '../model/instanceRef.ts';
import type { ConsoleMode } from '../model/jobClass.ts';
import type { LogFn } from '../model/log.ts';
import { signalNumber } from '../model/signals.ts';
import type { ExitInfo, ProcessEvents, ProcessPort, SpawnRequest } from '../process/port.ts';

/** What the runner asks of the engine. */
export type ActionEngine = Pick<EngineApi, 'getClass' | 'instanceOf' | 'emit' | 'subscribe'> & Required<Pick<EngineApi, 'instanceFacts'>>;

export interface ActionRunsDeps {
  /** The engine, once it exists (it is built with the port this runner wraps). */
  engine: () => ActionEngine;
  defaultConsole: ConsoleMode;
  log: LogFn;
}

/**
 * The decision, pure: the spawn request for `req` on the instance `facts` describes, or the
 * EngineError that refuses it. Refused: no such instance, an instance that is not start/running,
 * an action its definition lacks (said differently when only the job file loaded since has it),
 * the same action of the same instance already running (`busyPid`).
 */
export function planAction(job: string, instance: string, facts: InstanceFacts | undefined, req: ActionRequest, defaultConsole: ConsoleMode, busyPid: number | undefined): SpawnRequest {
  const label = instanceLabel(job, instance);
  const bad = req.env.find((e) => !isEnvEntry(e) || e.includes('\0'));
  if (bad !== undefined) throw new EngineError('invalid', `Invalid environment entry: ${JSON.stringify(bad)} (expected KEY=VALUE)`);
  if (facts === undefined || facts.state === 'waiting') {
    throw new EngineError('not-running', `Job is not running: ${label} (actions run only while the job runs; start it first)`);
  }
  if (facts.goal !== 'start' || facts.state !== 'running') {
    throw new EngineError('not-running', `Job is not running: ${label} is ${facts.goal}/${facts.state} (actions run only in start/running)`);
  }
  const def = facts.spec.actions?.[req.action];
  if (def === undefined) {
    const names = Object.keys(facts.spec.actions ?? {});
    if (facts.current?.actions?.[req.action] !== undefined) {
      throw new EngineError('unknown-action', `Unknown action: ${req.action} of ${label}: its job file has it now, but the instance runs the definition it started with; stop and start ${job} to use it (restart keeps the definition)`);
    }
    throw new EngineError('unknown-action', `Unknown action: ${req.action} of ${label} (${names.length > 0 ? `it has: ${names.join(', ')}` : 'it defines no actions'})`);
  }
  if (busyPid !== undefined) {
    throw new EngineError('action-running', `Action already running: ${req.action} of ${label} (process ${busyPid}); one at a time: wait for it to end`);
  }
  const env = envMerge(facts.env, [`UPSTART_ACTION=${req.action}`], req.env);
  return spawnRequestFor(facts.spec, instance, 'action', def, env, facts.spec.console ?? defaultConsole);
}

/** `action JOB=… INSTANCE=… ACTION=… RESULT=ok|failed EXIT_STATUS=N | EXIT_SIGNAL=SIG`: the event that says how a run ended. */
export function actionEventEnv(job: string, instance: string, action: string, exit: ExitInfo | undefined): string[] {
  const env = [`JOB=${job}`, `INSTANCE=${instance}`, `ACTION=${action}`];
  if (exit === undefined) return [...env, 'RESULT=failed'];
  env.push(`RESULT=${exit.kind === 'exited' && exit.status === 0 ? 'ok' : 'failed'}`);
  env.push(exit.kind === 'exited' ? `EXIT_STATUS=${exit.status}` : `EXIT_SIGNAL=${exit.signal}`);
  return env;
}

interface Run {
  key: string;
  job: string;
  instance: string;
  action: string;
  pid: number;
  waiters: Array<(r: ActionResult) => void>;
}

const runKey = (job: string, instance: string, action: string): string => `${job}\0${instance}\0${action}`;

/**
 * Invariants: every action pid is in `runs` from its spawn until its exit comes back from the
 * port (exits of those pids never reach the engine); `byKey` names the one run of each
 * (job, instance, action); a run's instance leaving running has the job's kill signal sent to
 * it (with job cgroups the stop reaches it anyway), and SIGKILL once the instance is gone.
 */
export class ActionRuns {
  private port: ProcessPort | undefined;
  private readonly runs = new Map<number, Run>();
  private readonly byKey = new Map<string, Run>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: ActionRunsDeps) {}

  /** The port to give the engine: the same as `port`, except that the exits of action processes come here. */
  wrap(port: ProcessPort): ProcessPort {
    this.port = port;
    return {
      spawn: (req) => port.spawn(req),
      signal: (inst, target, signal, pids) => port.signal(inst, target, signal, pids),
      resume: (pid) => port.resume(pid),
      setEvents: (events: ProcessEvents) => port.setEvents({
        exited: (info) => {
          if (this.runs.has(info.pid)) this.ended(info);
          else events.exited(info);
        },
        execed: (id, pid, failure) => events.execed(id, pid, failure),
        ready: (spawnedPid, pid) => events.ready(spawnedPid, pid),
        adopted: (a) => (this.runs.has(a.pid) ? false : events.adopted(a)),
      }),
      ...(port.instanceGone === undefined ? {} : { instanceGone: (job: string, instance: string) => port.instanceGone!(job, instance) }),
    };
  }

  /** Actions running now (for status --json): `job\0instance` → action names. */
  runningFor(job: string, instance: string): Array<{ action: string; pid: number }> {
    const out: Array<{ action: string; pid: number }> = [];
    for (const r of this.runs.values()) if (r.job === job && r.instance === instance) out.push({ action: r.action, pid: r.pid });
    return out;
  }

  /** Runs the action; resolves when it has ended (or, without wait, once spawned); rejects with EngineError. */
  run(req: ActionRequest): Promise<ActionResult> {
    const engine = this.deps.engine();
    const port = this.port;
    if (port === undefined) return Promise.reject(new EngineError('invalid', 'actions are not available: no process port'));
    if (engine.getClass(req.job) === undefined && engine.instanceFacts(req.job, '') === undefined) {
      return Promise.reject(new EngineError('unknown-job', `Unknown job: ${req.job}`));
    }
    let instance: string;
    let spawn: SpawnRequest;
    try {
      instance = req.instance ?? (engine.getClass(req.job) === undefined ? '' : engine.instanceOf(req.job, req.env));
      const facts = engine.instanceFacts(req.job, instance);
      spawn = planAction(req.job, instance, facts, req, this.deps.defaultConsole, this.byKey.get(runKey(req.job, instance, req.action))?.pid);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const label = instanceLabel(req.job, instance);
    const r = port.spawn(spawn);
    if (!r.ok) {
      const detail = r.stage === 'exec' || r.stage === '' ? r.message : `${r.stage}: ${r.message}`;
      this.deps.log('warn', `Failed to spawn ${label} action ${req.action}: ${detail}`);
      this.emit(req.job, instance, req.action, undefined);
      return Promise.reject(new EngineError('failed', `Failed to spawn action ${req.action} of ${label}: ${detail}`));
    }
    this.deps.log('info', `${label} action ${req.action} (${r.pid})`);
    const run: Run = { key: runKey(req.job, instance, req.action), job: req.job, instance, action: req.action, pid: r.pid, waiters: [] };
    this.runs.set(r.pid, run);
    this.byKey.set(run.key, run);
    this.watchInstances();
    if (!req.wait) return Promise.resolve({ job: req.job, instance, action: req.action, pid: r.pid, exitStatus: 0, ended: false });
    return new Promise((resolve) => run.waiters.push(resolve));
  }

  private ended(info: ExitInfo): void {
    const run = this.runs.get(info.pid)!;
    this.runs.delete(info.pid);
    this.byKey.delete(run.key);
    const res: ActionResult = { job: run.job, instance: run.instance, action: run.action, pid: run.pid, exitStatus: 0, ended: true };
    if (info.kind === 'exited') {
      res.status = info.status;
      res.exitStatus = info.status;
    } else {
      res.signal = info.signal;
      res.exitStatus = 128 + (signalNumber(info.signal) ?? 0);
    }
    const how = info.kind === 'exited' ? `exited with status ${info.status}` : `killed by ${info.signal} signal`;
    this.deps.log(info.kind === 'exited' && info.status === 0 ? 'info' : 'warn', `${instanceLabel(run.job, run.instance)} action ${run.action} (${run.pid}) ${how}`);
    this.emit(run.job, run.instance, run.action, info);
    for (const w of run.waiters) w(res);
    if (this.runs.size === 0) this.stopWatching();
  }

  private emit(job: string, instance: string, action: string, exit: ExitInfo | undefined): void {
    this.deps.engine().emit('action', actionEventEnv(job, instance, action, exit), false).catch((err: Error) => {
      this.deps.log('warn', `action event: ${err.message}`);
    });
  }

  /** While actions run: an instance that goes on to be killed, or is gone, takes its actions with it. */
  private watchInstances(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.deps.engine().subscribe((e: JournalEntry) => {
      if (e.kind !== 'state' || (e.state !== 'killed' && e.state !== 'waiting')) return;
      const facts = e.state === 'killed' ? this.deps.engine().instanceFacts(e.job, e.instance) : undefined;
      for (const r of this.runs.values()) {
        if (r.job !== e.job || r.instance !== e.instance) continue;
        const signal = e.state === 'killed' ? (facts?.spec.killSignal ?? 'TERM') : 'KILL';
        this.port?.signal({ job: r.job, instance: r.instance }, 'main', signal, [r.pid]);
      }
    });
  }

  private stopWatching(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
