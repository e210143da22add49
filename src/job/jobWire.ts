// A job record's wire form in the re-exec state, separate from the live JobRecord: the wait as flat fields, environments as indexes into one string table.
import type { ConditionState } from '../events/conditionState.ts';
import type { JobRecord, StepProcess, Wait } from './job.ts';

/**
 * JobRecord as the engine part of the re-exec state carries it. Since format 2 (engine snapshot
 * version 2) the three environments are indexes into the snapshot's `strings`: 1,000 instances of
 * a session carry the same 40 inherited variables, so the table holds each once. As since format 1, the
 * wait is spelled as `blocker` (event), `tmpfilesPending`, `awaitingReady` with `readyExits`,
 * `ready` (condition) and `readyDeadline`, and `killDeadline`; a step-process wait is not written
 * (it is the state's own process still running).
 */
export type JobWire = Omit<JobRecord, 'wait' | 'env' | 'startEnv' | 'stopEnv'> & {
  env: number[];
  startEnv: number[];
  stopEnv: number[];
  blocker?: number;
  tmpfilesPending?: boolean;
  awaitingReady?: boolean;
  /** Since this field: main spawned, its exec not yet confirmed (the queued execed confirms it). */
  awaitingExec?: boolean;
  readyExits?: number;
  ready?: ConditionState;
  readyDeadline?: number;
  killDeadline?: number;
};

/** Interns strings for one snapshot: the table and each string's index. */
export class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  ref(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

const STEPS: ReadonlySet<string> = new Set<StepProcess>(['pre-start', 'post-start', 'pre-stop', 'post-stop']);

/** The wire form of a job record, its environments interned in `table` (a shallow copy otherwise: encode it before the engine moves on, or deep-copy it). */
export function jobToWire(j: JobRecord, table: StringTable): JobWire {
  const { wait, env, startEnv, stopEnv, ...rest } = j;
  const ref = (xs: string[]): number[] => xs.map((x) => table.ref(x));
  const w: JobWire = { ...rest, env: ref(env), startEnv: ref(startEnv), stopEnv: ref(stopEnv) };
  // A pending spawn's provisional id (<= 0) is no pid: left out. A re-exec waits for every pending
  // spawn (the port's busy()); the state view (GetState) and the dry run's copy can meet one.
  if (Object.values(j.pids).some((xs) => xs.some((pid) => !(pid > 0)))) {
    const pids: JobRecord['pids'] = {};
    for (const [p, xs] of Object.entries(j.pids) as Array<[keyof JobRecord['pids'], number[]]>) {
      const known = xs.filter((pid) => pid > 0);
      if (known.length > 0) pids[p] = known;
    }
    w.pids = pids;
  }
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
    case 'exec':
      w.awaitingExec = true;
      break;
    case 'process':
    case 'none':
      break;
  }
  return w;
}

/**
 * The job record of a wire form (its fields are taken, not copied; every index already checked
 * to be in `strings`); older images wrote `awaitingReady: false` and `tmpfilesPending: false`.
 */
export function jobFromWire(w: JobWire, strings: readonly string[]): JobRecord {
  const { blocker, tmpfilesPending, awaitingReady, awaitingExec, readyExits, ready, readyDeadline, killDeadline, env, startEnv, stopEnv, ...wired } = w;
  const str = (xs: number[]): string[] => xs.map((i) => strings[i]!);
  const rest = { ...wired, env: str(env), startEnv: str(startEnv), stopEnv: str(stopEnv) };
  const dl = readyDeadline === undefined ? {} : { deadline: readyDeadline };
  let wait: Wait = { kind: 'none' };
  if (blocker !== undefined) wait = { kind: 'event', event: blocker };
  else if (tmpfilesPending === true) wait = { kind: 'tmpfiles' };
  else if (awaitingExec === true) wait = { kind: 'exec' };
  else if (awaitingReady === true) {
    if (readyExits !== undefined) wait = { kind: 'ready', by: 'exits', exits: readyExits, ...dl };
    else if (ready !== undefined) wait = { kind: 'ready', by: 'condition', cond: ready, ...dl };
    else wait = { kind: 'ready', by: 'port', ...dl };
  } else if (w.state === 'killed') wait = killDeadline === undefined ? { kind: 'kill' } : { kind: 'kill', deadline: killDeadline };
  else if (STEPS.has(w.state) && (w.pids[w.state as StepProcess]?.length ?? 0) > 0) wait = { kind: 'process', process: w.state as StepProcess };
  return { ...rest, wait };
}
