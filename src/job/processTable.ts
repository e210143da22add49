// A job's processes through the process port: the spawn request, the pid index (pid → job slot), kill timers.
import type { JournalEntry } from '../model/engineApi.ts';
import type { ConsoleMode, JobClassSpec, ProcessName, ProcessSpec } from '../model/jobClass.ts';
import { instanceLabel } from '../model/instanceRef.ts';
import { stamp, type Clock, type TimerHandle } from '../platform/clock.ts';
import type { ProcessPort, SpawnFailure, SpawnRequest, SpawnResult } from '../process/port.ts';
import { commandFor } from './command.ts';
import type { JobRecord } from './job.ts';
import type { LogFn } from '../model/log.ts';

/** How messages name a job record: `job` or `job (instance)`. */
export function jobLabel(job: JobRecord): string {
  return instanceLabel(job.name, job.instance);
}

/** What the port is asked to run for process p of a job. */
export function spawnRequest(spec: JobClassSpec, job: JobRecord, p: ProcessName, env: string[], defaultConsole: ConsoleMode): JobSpawnRequest {
  return { ...spawnRequestFor(spec, job.instance, p, spec.process[p]!, env, defaultConsole), process: p };
}

/** A spawn request for one of the job's own process slots. */
export type JobSpawnRequest = SpawnRequest & { process: ProcessName };

/** The same for any command of the job's (a process stanza, or a custom action's): the job's user, limits, console and cgroup. */
export function spawnRequestFor(spec: JobClassSpec, instance: string, p: SpawnRequest['process'], command: ProcessSpec, env: string[], defaultConsole: ConsoleMode): SpawnRequest {
  const cmd = commandFor(command);
  const req: SpawnRequest = {
    job: spec.name,
    instance,
    process: p,
    argv: cmd.argv,
    env,
    console: spec.console ?? defaultConsole,
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
  return req;
}

export interface ProcessTableDeps {
  port: ProcessPort;
  clock: Clock;
  log: LogFn;
  journal(entry: JournalEntry): void;
}

/** The owner of a pid: which job and which of its process slots. */
export interface PidOwner {
  job: JobRecord;
  process: ProcessName;
}

/** Pids of every job's process slots and the kill timers; rebuilt from the job records on restore. */
export class ProcessTable {
  readonly pidIndex = new Map<number, PidOwner>();
  private readonly killTimers = new Map<number, TimerHandle>();

  constructor(private readonly d: ProcessTableDeps) {}

  alive(job: JobRecord, p: ProcessName): boolean {
    return (job.pids[p]?.length ?? 0) > 0;
  }

  /**
   * Spawns process p; on failure returns the reason (stage and message) for the job's failure.
   * `pending`: the exec is not confirmed yet (the port's execed follows: execFailed if it failed).
   */
  spawn(req: JobSpawnRequest, job: JobRecord): { ok: true; pending: boolean } | { ok: false; detail: string } {
    const { port } = this.d;
    const p = req.process;
    let r: SpawnResult;
    try {
      r = port.spawn({ ...req, execLater: true });
    } catch (err) {
      r = { ok: false as const, stage: 'spawn', errno: 0, code: (err as { code?: string }).code ?? 'EUNKNOWN', message: (err as Error).message };
    }
    if (r.ok) {
      job.pids[p] = [r.pid];
      this.pidIndex.set(r.pid, { job, process: p });
      // A provisional id (a pending spawn's, <= 0) is journalled as the pid once known: resolve().
      if (r.pid > 0) this.spawned(job, p, r.pid);
      return { ok: true, pending: r.pending === true };
    }
    return { ok: false, detail: this.spawnFailed(job, p, r) };
  }

  private spawned(job: JobRecord, p: ProcessName, pid: number): void {
    // A literal, no spread of stamp(): one per spawn.
    this.d.journal({ t: this.d.clock.now(), wall: this.d.clock.wallNow(), kind: 'spawn', job: job.name, instance: job.instance, process: p, pid });
    this.d.log('debug', `${jobLabel(job)} ${p} process (${pid})`);
  }

  /**
   * A pending spawn's outcome names its pid: a provisional `id` is replaced by it in its slot (and
   * journalled now). Returns the key the process has from now on (`id` when there is no process).
   */
  resolve(id: number, pid: number): number {
    if (id === pid || !(pid > 0)) return id;
    const owner = this.pidIndex.get(id);
    if (owner === undefined) return pid;
    this.pidIndex.delete(id);
    this.pidIndex.set(pid, owner);
    const { job, process: p } = owner;
    job.pids[p] = (job.pids[p] ?? []).map((x) => (x === id ? pid : x));
    this.spawned(job, p, pid);
    return pid;
  }

  /** A pending spawn's exec failed: its pid leaves its slot (its exit, still to come, is no one's); the reason and owner for the job's failure. */
  execFailed(pid: number, f: SpawnFailure): (PidOwner & { left: number; detail: string }) | undefined {
    const owner = this.untrack(pid);
    if (owner === undefined) return undefined;
    return { ...owner, detail: this.spawnFailed(owner.job, owner.process, f) };
  }

  private spawnFailed(job: JobRecord, p: ProcessName, f: SpawnFailure): string {
    const detail = f.stage === 'exec' || f.stage === '' ? f.message : `${f.stage}: ${f.message}`;
    this.d.journal({ ...stamp(this.d.clock), kind: 'spawn-failed', job: job.name, instance: job.instance, process: p, message: detail });
    // The message may end with the errno's name already (SpawnError's): said once, with the number.
    const said = detail.endsWith(` (${f.code})`) ? detail.slice(0, -` (${f.code})`.length) : detail;
    this.d.log('warn', `Failed to spawn ${jobLabel(job)} ${p} process: ${said} (${f.code}, errno ${f.errno})`);
    return detail;
  }

  /** Adds a pid to a slot (restore, or the port reporting the pid to track). */
  track(job: JobRecord, p: ProcessName, pid: number): void {
    const slot = job.pids[p];
    if (slot === undefined) job.pids[p] = [pid];
    else if (!slot.includes(pid)) slot.push(pid);
    this.pidIndex.set(pid, { job, process: p });
  }

  /** Removes an ended pid from its slot; returns its owner and how many pids of the slot remain. */
  untrack(pid: number): (PidOwner & { left: number }) | undefined {
    const owner = this.pidIndex.get(pid);
    if (owner === undefined) return undefined;
    this.pidIndex.delete(pid);
    const { job, process: p } = owner;
    const left = (job.pids[p] ?? []).filter((x) => x !== pid);
    if (left.length > 0) job.pids[p] = left;
    else delete job.pids[p];
    return { ...owner, left: left.length };
  }

  armKillTimer(job: JobRecord, ms: number, fire: () => void): void {
    this.killTimers.get(job.id)?.cancel();
    this.killTimers.set(job.id, this.d.clock.setTimer(ms, fire));
  }

  cancelKillTimer(job: JobRecord): void {
    this.killTimers.get(job.id)?.cancel();
    this.killTimers.delete(job.id);
  }

  /** The instance is gone: drop its timers (its pids are already untracked). */
  forget(job: JobRecord): void {
    this.killTimers.get(job.id)?.cancel();
    this.killTimers.delete(job.id);
  }
}
