// Reactions to the process port: a process ended (respawn, normal exit, failures, expect exit N), ready, kill timeout.
import type { JournalEntry } from '../model/engineApi.ts';
import { DEFAULT_RESPAWN_LIMIT, type JobClassSpec } from '../model/jobClass.ts';
import type { ExitInfo } from '../process/port.ts';
import type { JobRecord, ProcessExit } from './job.ts';
import { jobLabel, type JobMachine } from './machine.ts';
import { stamp } from '../platform/clock.ts';

function describeExit(e: ProcessExit): string {
  if (e.status !== undefined) return `terminated with status ${e.status}`;
  if (e.signal !== undefined) return `killed by ${e.signal} signal`;
  return 'failed';
}

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
  const c = host.clock;
  const e: JournalEntry = { ...stamp(c), kind: 'exit', job: job.name, instance: job.instance, process: p, pid: info.pid };
  if (info.kind === 'exited') e.status = info.status;
  else e.signal = info.signal;
  host.journal(e);
  const ok = info.kind === 'exited' && info.status === 0;
  const spec = host.specOf(job);
  if (p === 'main' && job.state === 'spawned' && job.awaitingReady && spec.expect.kind === 'exit' && ok) {
    // expect exit N: a clean exit before readiness is a step of the start, not the end of main.
    host.log('debug', `${jobLabel(job)} main process (${info.pid}) exited before ready (${(job.readyExits ?? 0) + 1} of ${spec.expect.count})`);
    job.readyExits = (job.readyExits ?? 0) + 1;
    if (job.readyExits >= spec.expect.count) {
      m.clearReady(job);
      m.advance(job);
    }
    return;
  }
  if (left > 0) return; // other pids of the slot still live
  // An exit the job did not ask for is worth a warning; one that a stop caused is not.
  if (!ok) host.log(p === 'main' && job.goal !== 'stop' ? 'warn' : 'info', `${jobLabel(job)} ${p} process (${info.pid}) ${describeExit(exit)}`);
  if (p === 'main') {
    mainExited(m, job, exit, info);
    return;
  }
  if (!ok) {
    job.lastExit = exit;
    m.failJob(job, p, `${p} process ${describeExit(exit)}`);
  }
  if (job.state === p) m.advance(job);
}

function mainExited(m: JobMachine, job: JobRecord, exit: ProcessExit, info: ExitInfo): void {
  const spec = m.host.specOf(job);
  // After another process failed (post-start, pre-stop), its exit is the one stopping/stopped report.
  if (!job.failed || job.failedProcess === 'main') job.lastExit = exit;
  if (job.state === 'killed') {
    m.procs.cancelKillTimer(job);
    m.advance(job);
    return;
  }
  const live = job.state === 'spawned' || job.state === 'post-start' || job.state === 'running' || job.state === 'pre-stop';
  if (live && job.goal === 'start') {
    const listed = info.kind === 'exited' ? spec.normalExit.statuses.includes(info.status) : spec.normalExit.signals.includes(info.signal);
    const clean = info.kind === 'exited' && info.status === 0;
    if (spec.respawn && !(listed || (spec.task && clean))) {
      if (respawnLimitHit(m, job, spec)) {
        m.host.log('warn', `${jobLabel(job)} respawning too fast, stopped`);
        m.failJob(job, 'respawn', 'respawning too fast');
      } else {
        m.host.log('info', `${jobLabel(job)} main process ended, respawning`);
        job.goal = 'respawn';
        m.journalState(job);
      }
    } else if (!(clean || listed)) {
      m.failJob(job, 'main', `main process ${describeExit(exit)}`);
    } else {
      job.goal = 'stop';
      m.journalState(job);
    }
  }
  if (job.state === 'running') m.advance(job);
  else if (job.state === 'spawned') {
    m.clearReady(job);
    m.advance(job);
  }
  // post-start / pre-stop: the step process finishing moves the job on.
  else if ((job.state === 'post-start' && !m.procs.alive(job, 'post-start')) || (job.state === 'pre-stop' && !m.procs.alive(job, 'pre-stop'))) {
    m.advance(job);
  }
}

function respawnLimitHit(m: JobMachine, job: JobRecord, spec: JobClassSpec): boolean {
  const lim = spec.respawnLimit ?? DEFAULT_RESPAWN_LIMIT;
  if (lim === 'unlimited' || lim.count === 0 || lim.interval === 0) return false;
  const now = m.host.clock.now();
  if (job.respawnCount === 0 || now - job.respawnSince > lim.interval * 1000) {
    job.respawnSince = now;
    job.respawnCount = 0;
  }
  job.respawnCount++;
  return job.respawnCount > lim.count;
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
  const waitsForPort = spec.expect.kind === 'stop' || spec.expect.kind === 'fork' || spec.expect.kind === 'daemon';
  if (job.state === 'spawned' && job.awaitingReady && waitsForPort) {
    m.clearReady(job);
    m.advance(job);
  }
}

/**
 * cgroup tracking: another process of the instance joins its main slot while the job waits for
 * `expect exit N` (its exits count; what is left at readiness is the main process). Synchronous,
 * as the port must know whether to report the pid's exit; the slot only grows, nothing moves on.
 */
export function adoptProcess(m: JobMachine, job: JobRecord | undefined, pid: number): boolean {
  if (job === undefined || job.state !== 'spawned' || !job.awaitingReady) return false;
  if (m.host.specOf(job).expect.kind !== 'exit') return false;
  const owner = m.procs.pidIndex.get(pid);
  if (owner !== undefined) return owner.job === job && owner.process === 'main';
  m.procs.track(job, 'main', pid);
  m.host.log('debug', `${jobLabel(job)} main process: ${pid} joined (in its cgroup)`);
  return true;
}

/** Kill timeout expired: SIGKILL what is left of the main process. */
export function killTimeout(m: JobMachine, job: JobRecord): void {
  m.procs.cancelKillTimer(job);
  if (job.state !== 'killed') return;
  for (const pid of job.pids.main ?? []) {
    m.host.log('warn', `${jobLabel(job)} main process (${pid}) killed by KILL signal after kill timeout`);
    m.host.port.kill(pid, 'KILL', true);
  }
}
