// The pure reaction table of a job: what each input does in each state and wait, as a list of Steps.
import type { ProcessName } from '../model/jobClass.ts';
import type { Goal, JobState } from '../model/state.ts';
import type { StepProcess, Wait } from './job.ts';

/** How a main process that ended on its own (goal start, a live state) leaves the job (init(5) respawn, normal exit, task). */
export type MainVerdict = 'finished' | 'respawn' | 'failed';

/** What can happen to a job; each is fed to react() with the job's state and wait. */
export type Input =
  /** The job's own starting/stopping event finished (every job it blocked has moved). */
  | { kind: 'event-finished'; event: number }
  /** The last pid of slot `process` ended (`last`), or one of several; `ok` is exit status 0. */
  | { kind: 'process-exited'; process: ProcessName; ok: boolean; last: boolean; verdict: MainVerdict }
  /** Readiness: the port's ready() (expect stop/fork/daemon) or the expect CONDITION fired. */
  | { kind: 'ready'; by: 'port' | 'condition' }
  | { kind: 'ready-timeout' }
  /** A pending spawn of slot `process` exec'd (`ok`) or could not (its pid is already untracked; `last`: the slot is empty). */
  | { kind: 'exec-done'; process: ProcessName; ok: boolean; last: boolean }
  | { kind: 'tmpfiles-done'; failed: boolean }
  | { kind: 'kill-timeout' }
  /** The goal was just changed by setGoal (commands, stop conditions, start conditions, shutdown). */
  | { kind: 'goal-changed' };

/** Facts about the job besides its state and wait that the table reads. */
export interface Facts {
  goal: Goal;
  /** Main process running (after the exit being reacted to, if any). */
  mainAlive: boolean;
  /** expect exit N: N (0 otherwise). */
  readyExits: number;
}

/** One effect, executed in order by JobMachine.apply; a move (advance, enter) comes last. */
export type Step =
  /** Replace the wait (the old wait's timer or condition is dropped). */
  | { do: 'set-wait'; wait: Wait }
  | { do: 'set-goal'; goal: Goal }
  /** Count a respawn: goal respawn, or the respawn limit: the job fails with 'respawn'. */
  | { do: 'respawn' }
  /** Mark the job failed by `process` (first failure wins) for `why`; the goal becomes stop. */
  | { do: 'fail'; process: ProcessName; why: 'exit' | 'ready-timeout' | 'tmpfiles' | 'spawn' }
  /** Main exec'd: wait for its readiness (expect), or move on when it needs none. */
  | { do: 'await-ready' }
  /** Log the exit that does not follow a stop (warn) or that does (info); only non-zero exits. */
  | { do: 'report-exit' }
  /** Keep the exit as the one stopping/stopped report. */
  | { do: 'note-exit' }
  /** expect exit N: one more clean exit seen (`seen` so far). */
  | { do: 'ready-exit'; seen: number }
  /** The readiness wait ran out: logged, kept for status. */
  | { do: 'ready-timed-out' }
  /** The kill timeout passed: SIGKILL what is left (of main, or of the job: kill mode). */
  | { do: 'kill-main' }
  /** The stopped job's main process is gone: SIGKILL what is left in its cgroup (unless kill mode process). */
  | { do: 'kill-leftovers' }
  /** Spawn the state's step process and wait for it, or move on when it has none (or it failed). */
  | { do: 'run-step'; process: StepProcess }
  /** Move on by nextState(state, goal, mainAlive). */
  | { do: 'advance' }
  /** Move to a given state. */
  | { do: 'enter'; state: JobState };

const NONE: Step = { do: 'set-wait', wait: { kind: 'none' } };
const ADVANCE: Step = { do: 'advance' };

const LIVE: ReadonlySet<JobState> = new Set(['spawned', 'post-start', 'running', 'pre-stop']);

function mainExited(state: JobState, wait: Wait, input: Extract<Input, { kind: 'process-exited' }>, f: Facts): Step[] {
  if (state === 'spawned' && wait.kind === 'ready' && wait.by === 'exits' && input.ok) {
    // expect exit N: a clean exit before readiness is a step of the start, not the end of main.
    const seen = wait.exits + 1;
    return seen >= f.readyExits ? [{ do: 'ready-exit', seen }, NONE, ADVANCE] : [{ do: 'ready-exit', seen }];
  }
  if (!input.last) return [];
  const steps: Step[] = input.ok ? [] : [{ do: 'report-exit' }];
  steps.push({ do: 'note-exit' });
  // Main was signalled and is gone: what is left of the job goes with it (kill mode decides).
  if (state === 'killed') return wait.kind === 'kill' ? [...steps, { do: 'kill-leftovers' }, NONE, ADVANCE] : [...steps, NONE, ADVANCE];
  if (LIVE.has(state) && f.goal === 'start') {
    if (input.verdict === 'respawn') steps.push({ do: 'respawn' });
    else if (input.verdict === 'failed') steps.push({ do: 'fail', process: 'main', why: 'exit' });
    else steps.push({ do: 'set-goal', goal: 'stop' });
  }
  if (state === 'running') steps.push(ADVANCE);
  else if (state === 'spawned') steps.push(NONE, ADVANCE);
  // post-start / pre-stop: the step process finishing moves the job on.
  else if ((state === 'post-start' || state === 'pre-stop') && wait.kind !== 'process') steps.push(ADVANCE);
  return steps;
}

/**
 * A pending spawn's outcome. Exec'd: main in spawned goes on to its readiness wait. Failed: the same
 * failure as a spawn that failed at once (the job fails for that process); the job moves on where
 * it waited for that process (its exec in spawned, its end in its step state or in killed).
 */
function execDone(state: JobState, wait: Wait, input: Extract<Input, { kind: 'exec-done' }>): Step[] {
  const p = input.process;
  if (input.ok) return p === 'main' && state === 'spawned' && wait.kind === 'exec' ? [{ do: 'await-ready' }] : [];
  const steps: Step[] = [{ do: 'fail', process: p, why: 'spawn' }];
  if (!input.last) return steps;
  if (p === 'main' && ((state === 'spawned' && wait.kind === 'exec') || state === 'killed')) steps.push(NONE, ADVANCE);
  else if (p !== 'main' && state === p && wait.kind === 'process') steps.push(NONE, ADVANCE);
  return steps;
}

/**
 * What `input` does to a job in `state` waiting for `wait`. Pure: the same arguments always give
 * the same Steps; an input the job does not wait for gives none (a late timer, a stale event).
 */
export function react(state: JobState, wait: Wait, input: Input, f: Facts): Step[] {
  switch (input.kind) {
    case 'event-finished':
      return wait.kind === 'event' && wait.event === input.event ? [NONE, ADVANCE] : [];
    case 'process-exited': {
      if (input.process === 'main') return mainExited(state, wait, input, f);
      if (!input.last) return [];
      const steps: Step[] = input.ok ? [] : [{ do: 'report-exit' }, { do: 'note-exit' }, { do: 'fail', process: input.process, why: 'exit' }];
      if (state === input.process) steps.push(NONE, ADVANCE);
      return steps;
    }
    case 'exec-done':
      return execDone(state, wait, input);
    case 'ready':
      return state === 'spawned' && wait.kind === 'ready' && wait.by === input.by ? [NONE, ADVANCE] : [];
    case 'ready-timeout':
      return state === 'spawned' && wait.kind === 'ready' ? [{ do: 'ready-timed-out' }, NONE, { do: 'fail', process: 'main', why: 'ready-timeout' }, ADVANCE] : [];
    case 'tmpfiles-done':
      if (state !== 'pre-start' || wait.kind !== 'tmpfiles') return [];
      if (input.failed) return [NONE, { do: 'fail', process: 'pre-start', why: 'tmpfiles' }, ADVANCE];
      return f.goal === 'start' ? [NONE, { do: 'run-step', process: 'pre-start' }] : [NONE, ADVANCE];
    case 'kill-timeout':
      return state === 'killed' && wait.kind === 'kill' && wait.deadline !== undefined ? [{ do: 'set-wait', wait: { kind: 'kill' } }, { do: 'kill-main' }] : [];
    case 'goal-changed':
      // Only three states are left by a goal change alone; the others move when what they wait for is done.
      if (state === 'waiting') return f.goal === 'stop' ? [] : [{ do: 'enter', state: 'starting' }];
      if (f.goal === 'start') return [];
      if (state === 'running') return [ADVANCE];
      if (state === 'spawned' && (wait.kind === 'ready' || wait.kind === 'exec')) return [NONE, { do: 'enter', state: 'stopping' }];
      return [];
  }
}
