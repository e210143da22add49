// How a main process's end is judged: the init(5) verdict (respawn, normal exit, task) and the respawn limit's window.
import { DEFAULT_RESPAWN_LIMIT, type JobClassSpec } from '../model/jobClass.ts';
import type { JobRecord, ProcessExit } from './job.ts';
import type { MainVerdict } from './reactions.ts';

/** init(5) `respawn limit COUNT INTERVAL`: counts this respawn; true when it is one too many in the window. */
export function respawnLimitHit(now: number, job: JobRecord, spec: JobClassSpec): boolean {
  const lim = spec.respawnLimit ?? DEFAULT_RESPAWN_LIMIT;
  if (lim === 'unlimited' || lim.count === 0 || lim.interval === 0) return false;
  if (job.respawnCount === 0 || now - job.respawnSince > lim.interval * 1000) {
    job.respawnSince = now;
    job.respawnCount = 0;
  }
  job.respawnCount++;
  return job.respawnCount > lim.count;
}

/** Why respawning stopped, for the job's failure (the start command, `initctl status`). */
export function respawnLimitText(spec: JobClassSpec): string {
  const lim = spec.respawnLimit ?? DEFAULT_RESPAWN_LIMIT;
  if (lim === 'unlimited') return 'respawning too fast';
  return `respawning too fast (more than ${lim.count} respawns within ${lim.interval} s: respawn limit ${lim.count} ${lim.interval})`;
}

/** How a main process that ended on its own leaves a job with goal start (respawn, normal exit, task). */
export function mainVerdict(spec: JobClassSpec, exit: ProcessExit): MainVerdict {
  const listed = exit.status !== undefined ? spec.normalExit.statuses.includes(exit.status) : exit.signal !== undefined && spec.normalExit.signals.includes(exit.signal);
  const clean = exit.status === 0;
  if (spec.respawn && !(listed || (spec.task && clean))) return 'respawn';
  return clean || listed ? 'finished' : 'failed';
}
