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

/**
 * One instance of a job class. Invariants:
 * - `blocker` is set only in states starting and stopping (the job waits for that event);
 * - `blocking` lists who waits for this job to reach its goal (events it was started/stopped by,
 *   start/stop commands); they are released on running (services), or on waiting;
 * - `pids[p]` is the set of pids of process p (one for now; cgroup tracking may add more);
 * - a slot is absent once all its pids have ended;
 * - `awaitingReady` only in spawned; `ready` and `readyExits` only while awaitingReady.
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
  blocker?: number;
  blocking: BlockedRef[];
  pids: Partial<Record<ProcessName, number[]>>;
  failed: boolean;
  /** The process that failed, or 'respawn' when the respawn limit was hit. */
  failedProcess?: ProcessName | 'respawn';
  /** The last relevant process exit since this start (main, or the process that failed). */
  lastExit?: ProcessExit;
  /** Why it failed, for the start command's error text. */
  failReason?: string;
  respawnCount: number;
  respawnSince: number;
  /** Monotonic ms when SIGKILL is due (killed state), for serialisation. */
  killDeadline?: number;
  /** Waiting in pre-start for the tmpfiles port. */
  tmpfilesPending?: boolean;
  /** Waiting in spawned for readiness: the port's ready() (expect stop/fork/daemon), N exits (expect exit N) or a condition (expect CONDITION). */
  awaitingReady?: boolean;
  /** The start failed because the readiness wait ran out (status says so after the instance is gone). */
  readyTimeoutHit?: boolean;
  /** Monotonic ms when the readiness wait runs out (`ready timeout`), while awaitingReady. */
  readyDeadline?: number;
  /** expect exit N: clean exits of main-slot processes seen while waiting in spawned. */
  readyExits?: number;
  /** The armed `stop on` condition (from entering starting until the instance is gone). */
  stop?: ConditionState;
  /** expect CONDITION: the readiness condition, armed while waiting in spawned. */
  ready?: ConditionState;
}

/** One stored version of a job class; `current` is false once replaced or removed. */
export interface ClassVersion {
  version: number;
  spec: JobClassSpec;
  current: boolean;
}
