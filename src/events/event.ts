// Event records: what sits in the event queue (plain data, serialisable for stateful re-exec).

/**
 * An event from emission to completion.
 * - pending: queued, not yet matched against conditions.
 * - handling: matched; stays here while `blockers` > 0 (jobs it started or stopped have not yet
 *   reached their goal, or, in legacy mode, a partly true condition still holds it).
 * - finished: removed from the queue; emit waiters learn `failed`.
 */
export interface EventRecord {
  id: number;
  name: string;
  env: string[];
  progress: 'pending' | 'handling';
  /** Holders of this event: jobs blocked on it and (legacy mode) condition leaves. */
  blockers: number;
  /** A job it started or stopped failed. */
  failed: boolean;
  /** For starting/started/stopping/stopped events that the engine emits on a job's behalf. */
  job?: { name: string; instance: string; id: number; task: boolean };
  /** Monotonic ms when emitted. */
  at: number;
}

/** Something waiting on a job to reach its goal: an event it was started/stopped by, or a command. */
export type BlockedRef = { kind: 'event'; event: number } | { kind: 'command'; id: number };
