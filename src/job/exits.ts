// Inputs from the process port: a process ended, ready, adopted, kill timeout; turned into reaction-table inputs.
import type { JournalEntry } from '../model/engineApi.ts';
import type { ExitInfo, SpawnFailure } from '../process/port.ts';
import type { JobRecord, ProcessExit } from './job.ts';
import { jobLabel, type JobMachine } from './machine.ts';
import { mainVerdict } from './mainExit.ts';

/** A tracked process ended. */
export function processExited(m: JobMachine, info: ExitInfo): void {
  const { host } = m;
  const owner = m.procs.untrack(info.pid);
  if (owner === undefined) {
    host.log('debug', `exit of untracked pid ${info.pid}`);
    return;
  }
  const { job, process: p, left } = owner;
  const exit: ProcessExit = info.kind === 'exited' ? { process: p, status: info.status } : { process: p, signal: info.signal };
  // A literal, no spread of stamp(): one per exit of every job.
  const e: JournalEntry = { t: host.clock.now(), wall: host.clock.wallNow(), kind: 'exit', job: job.name, instance: job.instance, process: p, pid: info.pid };
  if (info.kind === 'exited') e.status = info.status;
  else e.signal = info.signal;
  host.journal(e);
  const ok = info.kind === 'exited' && info.status === 0;
  const verdict = p === 'main' ? mainVerdict(host.specOf(job), exit) : 'finished';
  m.react(job, { kind: 'process-exited', process: p, ok, last: left === 0, verdict }, { exit, pid: info.pid });
}

/** A pending spawn exec'd, or could not (`failure`): the job goes on from spawned, or fails as for a spawn that failed at once. */
export function processExeced(m: JobMachine, pid: number, failure: SpawnFailure | undefined): void {
  if (failure === undefined) {
    const owner = m.procs.pidIndex.get(pid);
    if (owner !== undefined) m.react(owner.job, { kind: 'exec-done', process: owner.process, ok: true, last: false }, { pid });
    return;
  }
  const r = m.procs.execFailed(pid, failure);
  if (r === undefined) return;
  m.react(r.job, { kind: 'exec-done', process: r.process, ok: false, last: r.left === 0 }, { pid, error: r.detail });
}

/** expect stop/fork/daemon: the port found the process to track. */
export function processReady(m: JobMachine, spawnedPid: number, pid: number): void {
  const owner = m.procs.pidIndex.get(spawnedPid);
  if (owner === undefined || owner.process !== 'main') return;
  const { job } = owner;
  const spec = m.host.specOf(job);
  if (pid !== spawnedPid) {
    m.procs.pidIndex.delete(spawnedPid);
    job.pids.main = (job.pids.main ?? []).filter((x) => x !== spawnedPid);
    m.procs.track(job, 'main', pid);
  }
  if (spec.expect.kind === 'stop') m.host.port.resume(pid);
  m.react(job, { kind: 'ready', by: 'port' });
}

/**
 * cgroup tracking: another process of the instance joins its main slot while the job waits for
 * `expect exit N` (its exits count; what is left at readiness is the main process). Synchronous,
 * as the port must know whether to report the pid's exit; the slot only grows, nothing moves on.
 */
export function adoptProcess(m: JobMachine, job: JobRecord | undefined, pid: number): boolean {
  if (job === undefined || job.state !== 'spawned' || job.wait.kind !== 'ready' || job.wait.by !== 'exits') return false;
  const owner = m.procs.pidIndex.get(pid);
  if (owner !== undefined) return owner.job === job && owner.process === 'main';
  m.procs.track(job, 'main', pid);
  m.host.log('debug', `${jobLabel(job)} main process: ${pid} joined (in its cgroup)`);
  return true;
}
