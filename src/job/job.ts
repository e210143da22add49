// Job instances and job class records as the engine keeps them (plain data: no handles, no closures).
import type { BlockedRef } from '../events/event.ts';
import type { ConditionState } from '../events/conditionState.ts';
import type { JobClassSpec, ProcessName } from '../model/jobClass.ts';
import type { Goal, JobState } from '../model/state.ts';

/** How a job process ended, as the stopping/stopped events and post-stop see it (DESIGN §3.2). */
export interface ProcessExit {
  process: ProcessName | 'respawn';
  status?: number;
  signal?: string;
}

/** The step processes a job waits for in the state of the same name. */
export type StepProcess = 'pre-start' | 'post-start' | 'pre-stop' | 'post-stop';

/**
 * What a job waits for before it can leave its state; one thing at a time. Legal combinations:
 * - `event`: in starting or stopping, the job's own starting/stopping event (by id) to finish;
 * - `tmpfiles`: in pre-start, the tmpfiles port (before the pre-start process runs);
 * - `process`: in the step state of that name, the step process to end;
 * - `exec`: in spawned, the main process's exec to be confirmed (the port's execed: a spawn that
 *   returned before the child exec'd); a failed exec fails the start as a failed spawn does;
 * - `ready`: in spawned, readiness of the main process: the port's ready() (`port`: expect
 *   stop/fork/daemon), `exits` clean exits of main-slot processes so far (expect exit N), or the
 *   armed condition `cond` (expect CONDITION); `deadline` is when `ready timeout` runs out;
 * - `kill`: in killed, the main process to end; `deadline` is when SIGKILL is due (gone once sent);
 * - `none`: anything else (at rest in waiting, running, or moving on).
 * Times are monotonic ms. Only JobMachine changes it: setWait, which drops what the old wait armed,
 * or a state's entry (the wait is none on entering a state).
 */
export type Wait =
  | { kind: 'none' }
  | { kind: 'event'; event: number }
  | { kind: 'tmpfiles' }
  | { kind: 'process'; process: StepProcess }
  | { kind: 'exec' }
  | { kind: 'ready'; by: 'port'; deadline?: number }
  | { kind: 'ready'; by: 'exits'; exits: number; deadline?: number }
  | { kind: 'ready'; by: 'condition'; cond: ConditionState; deadline?: number }
  | { kind: 'kill'; deadline?: number };

export const NO_WAIT: Wait = Object.freeze({ kind: 'none' });

/**
 * One instance of a job class. Invariants:
 * - `wait` says what the job waits for in its state (see Wait); the goal changes only through
 *   JobMachine.setGoal;
 * - `blocking` lists who waits for this job to reach its goal (events it was started/stopped by,
 *   start/stop commands); they are released on running (services), or on waiting;
 * - `pids[p]` is the set of pids of process p (one for now; cgroup tracking may add more);
 * - a slot is absent once all its pids have ended.
 */
export interface JobRecord {
  id: number;
  name: string;
  instance: string;
  /** The class version this instance runs with (kept until it stops). */
  version: number;
  goal: Goal;
  state: JobState;
  /** Environment of the running instance (built on entering starting). */
  env: string[];
  /** Environment (and UPSTART_EVENTS) to apply at the next starting. */
  startEnv: string[];
  /** Environment of the events/command that stopped it, plus UPSTART_STOP_EVENTS. */
  stopEnv: string[];
  wait: Wait;
  blocking: BlockedRef[];
  pids: Partial<Record<ProcessName, number[]>>;
  failed: boolean;
  /** The process that failed, or 'respawn' when the respawn limit was hit. */
  failedProcess?: ProcessName | 'respawn';
  /** The last relevant process exit since this start (main, or the process that failed). */
  lastExit?: ProcessExit;
  /** Why it failed, for the start command's error text. */
  failReason?: string;
  /** Why a process of it could not be spawned (SPAWN_ERROR of its stopping and stopped events). */
  spawnError?: string;
  respawnCount: number;
  respawnSince: number;
  /** The start failed because the readiness wait ran out (status says so after the instance is gone). */
  readyTimeoutHit?: boolean;
  /** The armed `stop on` condition (from entering starting until the instance is gone). */
  stop?: ConditionState;
}

/** One stored version of a job class; `current` is false once replaced or removed. */
export interface ClassVersion {
  version: number;
  spec: JobClassSpec;
  current: boolean;
}
