// start, stop, restart and reload as Upstart means them (initctl(8)): instance lookup, goal changes, errors with codes.
import { isEnvEntry } from '../events/envList.ts';
import { EngineError, type InstanceStatus } from '../model/engineApi.ts';
import type { JobClassSpec } from '../model/jobClass.ts';
import type { ProcessPort } from '../process/port.ts';
import { instanceName, type EnvContext } from './environment.ts';
import type { JobRecord } from './job.ts';
import type { JobTable } from './jobTable.ts';
import { jobLabel, type JobMachine } from './machine.ts';

export type CommandOp = 'start' | 'stop' | 'restart';

/** A queued command (plain data; its caller's promise lives in the engine's waiter table). */
export interface CommandWork {
  kind: 'command';
  id: number;
  op: CommandOp;
  job: string;
  env: string[];
  wait: boolean;
}

export interface Waiter {
  op: CommandOp;
  resolve: (s: InstanceStatus) => void;
  reject: (e: Error) => void;
}

/** What commands need from the engine. */
export interface CommandHost {
  readonly table: JobTable;
  readonly envCtx: EnvContext;
  readonly machine: JobMachine;
  readonly port: ProcessPort;
  shuttingDown(): boolean;
  newJob(spec: JobClassSpec, instance: string): JobRecord;
}

/**
 * The instance name KEY=VALUE pairs select (the job's `instance` stanza expanded as at its
 * starting: EngineApi.instanceOf); EngineError unknown-job, or invalid for an unset variable.
 */
export function selectInstance(table: JobTable, envCtx: EnvContext, job: string, env: readonly string[]): { spec: JobClassSpec; name: string } {
  const spec = table.classRecs.has(job) ? table.anySpec(job) : undefined;
  if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${job}`);
  const inst = instanceName(spec, envCtx, env);
  if ('missing' in inst) throw new EngineError('invalid', `Unknown parameter: ${inst.missing}`);
  return { spec, name: inst.name };
}

/** The instance a stop/restart/reload names; errors as Upstart words them. */
export function findForCommand(h: CommandHost, job: string, env: string[]): JobRecord {
  const { spec, name } = selectInstance(h.table, h.envCtx, job, env);
  const j = h.table.instance(job, name);
  if (j === undefined) {
    if (spec.instance !== undefined) throw new EngineError('unknown-instance', `Unknown instance: ${job} (${name})`);
    throw new EngineError('already-stopped', `Job has already been stopped: ${job}`);
  }
  return j;
}

/** Runs a start/stop/restart; returns the instance it moved, or throws EngineError. */
export function runCommand(h: CommandHost, w: CommandWork): JobRecord {
  const bad = w.env.find((e) => !isEnvEntry(e));
  if (bad !== undefined) throw new EngineError('invalid', `Invalid environment entry: ${bad}`);
  if (w.op === 'start') {
    const spec = h.table.current(w.job);
    if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${w.job}`);
    if (h.shuttingDown()) throw new EngineError('denied', `Not starting ${w.job}: init is shutting down`);
    const inst = instanceName(spec, h.envCtx, w.env);
    if ('missing' in inst) throw new EngineError('invalid', `Unknown parameter: ${inst.missing}`);
    const existing = h.table.instance(w.job, inst.name);
    if (existing !== undefined && existing.goal !== 'stop') throw new EngineError('already-running', `Job is already running: ${jobLabel(existing)}`);
    const j = existing ?? h.newJob(spec, inst.name);
    j.startEnv = [...w.env];
    if (w.wait) j.blocking.push({ kind: 'command', id: w.id });
    h.machine.changeGoal(j, 'start');
    return j;
  }
  if (w.op === 'restart' && h.shuttingDown()) throw new EngineError('denied', `Not restarting ${w.job}: init is shutting down`);
  const j = findForCommand(h, w.job, w.env);
  if (j.goal === 'stop') throw new EngineError('already-stopped', `Job has already been stopped: ${jobLabel(j)}`);
  if (w.op === 'stop') j.stopEnv = [...w.env];
  if (w.wait) j.blocking.push({ kind: 'command', id: w.id });
  // restart: down through the stop states and up again with the same env and class version.
  h.machine.changeGoal(j, w.op === 'stop' ? 'stop' : 'respawn');
  return j;
}

/**
 * reload: the reload signal (HUP unless `reload signal`) to every pid of the main process. An
 * instance that exists but whose main process is not running (still starting, a job without a main
 * process, or one being stopped after main ended) is not an unknown instance: it rejects with
 * `not-running` ("Job is not running: JOB"), as there is nothing to signal. A singleton with no
 * instance at all has "already been stopped", as for stop.
 */
export function reloadJob(h: CommandHost, job: string, env: string[]): void {
  const bad = env.find((e) => !isEnvEntry(e));
  if (bad !== undefined) throw new EngineError('invalid', `Invalid environment entry: ${bad}`);
  const j = findForCommand(h, job, env);
  const pids = j.pids.main ?? [];
  if (pids.length === 0) throw new EngineError('not-running', `Job is not running: ${jobLabel(j)}`);
  const spec = h.table.specOf(j);
  h.port.signal({ job: j.name, instance: j.instance }, 'main', spec.reloadSignal, pids);
}
