// Job goals and states, with Upstart's names verbatim (initctl prints them).

export const GOALS = ['stop', 'start', 'respawn'] as const;
export type Goal = (typeof GOALS)[number];

/** In Upstart's order: the states a job moves through from waiting to running and back. */
export const STATES = [
  'waiting', 'starting', 'security', 'pre-start', 'spawned', 'post-start', 'running',
  'pre-stop', 'stopping', 'killed', 'post-stop',
] as const;
export type JobState = (typeof STATES)[number];

/** How initctl prints a goal: `respawn` is an internal goal shown as `start`. */
export function goalText(goal: Goal): 'start' | 'stop' {
  return goal === 'stop' ? 'stop' : 'start';
}
