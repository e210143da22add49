// The event condition tree of `start on` / `stop on` / `expect EVENT...`, as parsed (plain data).

/**
 * One argument of an event operand.
 * - positional: `started foo` → { value: 'foo' } (matched against the event's env in order)
 * - keyed:      `JOB=foo`      → { key: 'JOB', value: 'foo' }
 * - negated:    `RUNLEVEL!=2`  → { key: 'RUNLEVEL', value: '2', negate: true }
 * `value` is kept as written after unquoting: it may hold glob characters (`*`, `?`, `[!…]`)
 * and `$VAR` / `${VAR}` references, which are expanded from the job's environment when the
 * condition is armed, and then matched as a glob.
 */
export interface MatchArg {
  key?: string;
  value: string;
  negate?: boolean;
}

/** A leaf: an event name (exact, no globs) and its arguments. */
export interface EventOperand {
  kind: 'event';
  name: string;
  args: MatchArg[];
}

export interface OperatorNode {
  kind: 'and' | 'or';
  left: Condition;
  right: Condition;
}

export type Condition = EventOperand | OperatorNode;

/** The four job lifecycle events whose leaves may follow a job's state (DESIGN §3.1). */
export const JOB_EVENTS = ['starting', 'started', 'stopping', 'stopped'] as const;
export type JobEventName = (typeof JOB_EVENTS)[number];

export function isJobEvent(name: string): name is JobEventName {
  return (JOB_EVENTS as readonly string[]).includes(name);
}

/** Visits every leaf in left-to-right order. */
export function* leaves(c: Condition): Generator<EventOperand> {
  if (c.kind === 'event') {
    yield c;
  } else {
    yield* leaves(c.left);
    yield* leaves(c.right);
  }
}
