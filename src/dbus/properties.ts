// Property values of Upstart's objects: the manager's, a job class's (conditions as Upstart's postfix lists), an instance's.
import type { Condition } from '../model/condition.ts';
import type { InstanceStatus } from '../model/engineApi.ts';
import type { JobClassSpec } from '../model/jobClass.ts';
import type { DbusValue } from './wire.ts';

/**
 * `start_on` / `stop_on` as Upstart 1.13 gives them (aas): the condition in postfix order, one array
 * per node — an event is [NAME, ARG...] (positional values, `KEY=VALUE`, `KEY!=VALUE`), an operator
 * is ["/AND"] or ["/OR"] after its two operands.
 */
export function conditionTokens(c: Condition | undefined): string[][] {
  const out: string[][] = [];
  const walk = (n: Condition): void => {
    if (n.kind === 'event') {
      out.push([n.name, ...n.args.map((a) => (a.key === undefined ? a.value : `${a.key}${a.negate === true ? '!=' : '='}${a.value}`))]);
      return;
    }
    walk(n.left);
    walk(n.right);
    out.push([n.kind === 'and' ? '/AND' : '/OR']);
  };
  if (c !== undefined) walk(c);
  return out;
}

/** The com.ubuntu.Upstart0_6.Job properties of a class, by name with their values. */
export function jobProperties(spec: JobClassSpec): Record<string, DbusValue> {
  return {
    name: spec.name,
    description: spec.description ?? '',
    author: spec.author ?? '',
    version: spec.version ?? '',
    usage: spec.usage ?? '',
    start_on: conditionTokens(spec.manual ? undefined : spec.start),
    stop_on: conditionTokens(spec.stop),
    emits: [...spec.emits],
  };
}

/** The com.ubuntu.Upstart0_6.Instance properties; processes as [name, pid] pairs in Upstart's order. */
export function instanceProperties(st: InstanceStatus): Record<string, DbusValue> {
  return {
    name: st.instance,
    goal: st.goal,
    state: st.state,
    processes: st.processes.map((p) => [p.process, p.pid]),
  };
}
