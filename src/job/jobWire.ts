// A job record's wire form in the re-exec state (format 1: the wait as the flat fields it had before it was one union).
import type { ConditionState } from '../events/conditionState.ts';
import type { JobRecord, StepProcess, Wait } from './job.ts';

/**
 * JobRecord as the engine part of the re-exec state carries it (unchanged since format 1): the
 * wait is spelled as `blocker` (event), `tmpfilesPending`, `awaitingReady` with `readyExits`,
 * `ready` (condition) and `readyDeadline`, and `killDeadline`; a step-process wait is not written
 * (it is the state's own process still running).
 */
export type JobWire = Omit<JobRecord, 'wait'> & {
  blocker?: number;
  tmpfilesPending?: boolean;
  awaitingReady?: boolean;
  readyExits?: number;
  ready?: ConditionState;
  readyDeadline?: number;
  killDeadline?: number;
};

const STEPS: ReadonlySet<string> = new Set<StepProcess>(['pre-start', 'post-start', 'pre-stop', 'post-stop']);

/** The wire form of a job record (a shallow copy; the caller deep-copies). */
export function jobToWire(j: JobRecord): JobWire {
  const { wait, ...rest } = j;
  const w: JobWire = { ...rest };
  switch (wait.kind) {
    case 'event':
      w.blocker = wait.event;
      break;
    case 'tmpfiles':
      w.tmpfilesPending = true;
      break;
    case 'ready':
      w.awaitingReady = true;
      if (wait.by === 'exits') w.readyExits = wait.exits;
      if (wait.by === 'condition') w.ready = wait.cond;
      if (wait.deadline !== undefined) w.readyDeadline = wait.deadline;
      break;
    case 'kill':
      if (wait.deadline !== undefined) w.killDeadline = wait.deadline;
      break;
    case 'process':
    case 'none':
      break;
  }
  return w;
}

/** The job record of a wire form (its fields are taken, not copied); older images wrote `awaitingReady: false` and `tmpfilesPending: false`. */
export function jobFromWire(w: JobWire): JobRecord {
  const { blocker, tmpfilesPending, awaitingReady, readyExits, ready, readyDeadline, killDeadline, ...rest } = w;
  const dl = readyDeadline === undefined ? {} : { deadline: readyDeadline };
  let wait: Wait = { kind: 'none' };
  if (blocker !== undefined) wait = { kind: 'event', event: blocker };
  else if (tmpfilesPending === true) wait = { kind: 'tmpfiles' };
  else if (awaitingReady === true) {
    if (readyExits !== undefined) wait = { kind: 'ready', by: 'exits', exits: readyExits, ...dl };
    else if (ready !== undefined) wait = { kind: 'ready', by: 'condition', cond: ready, ...dl };
    else wait = { kind: 'ready', by: 'port', ...dl };
  } else if (w.state === 'killed') wait = killDeadline === undefined ? { kind: 'kill' } : { kind: 'kill', deadline: killDeadline };
  else if (STEPS.has(w.state) && (w.pids[w.state as StepProcess]?.length ?? 0) > 0) wait = { kind: 'process', process: w.state as StepProcess };
  return { ...rest, wait };
}
