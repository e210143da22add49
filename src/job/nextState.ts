// The pure next-state table of a job (init(8) "Job Goals and State Transitions", plus security and respawn).
import type { Goal, JobState } from '../model/state.ts';

/**
 * Where a job goes next from `state` given its `goal`. `mainAlive` says whether the main process
 * is running (running + stop goes through pre-stop only then). Goal `respawn` (main process died
 * and will be restarted) behaves like stop on the way down and like start from post-stop.
 * Returns undefined where the table has no entry (waiting with goal stop: the job is at rest).
 */
export function nextState(state: JobState, goal: Goal, mainAlive: boolean): JobState | undefined {
  const start = goal === 'start';
  switch (state) {
    case 'waiting':
      return goal === 'stop' ? undefined : 'starting';
    case 'starting':
      return start ? 'security' : 'stopping';
    case 'security':
      return start ? 'pre-start' : 'stopping';
    case 'pre-start':
      return start ? 'spawned' : 'stopping';
    case 'spawned':
      return start ? 'post-start' : 'stopping';
    case 'post-start':
      return start ? 'running' : 'stopping';
    case 'running':
      // start: the main process died; stop / respawn (restart): through pre-stop if it lives.
      if (goal !== 'start') return mainAlive ? 'pre-stop' : 'stopping';
      return 'stopping';
    case 'pre-stop':
      return start ? 'running' : 'stopping';
    case 'stopping':
      return 'killed';
    case 'killed':
      return 'post-stop';
    case 'post-stop':
      return goal === 'stop' ? 'waiting' : 'starting';
  }
}
