// Drift: an instance running a definition other than the one loaded now (its job file changed or went since it started).
import { diffClasses, type FieldChange } from '../../config/classDiff.ts';
import type { EngineApi } from '../../model/engineApi.ts';
import type { JobClassSpec } from '../../model/jobClass.ts';
import type { Drift } from '../protocol.ts';

export type { Drift } from '../protocol.ts';

/** Diffs by (running, loaded) definition: a list of many instances diffs each pair once. */
const cache = new WeakMap<JobClassSpec, WeakMap<JobClassSpec, FieldChange[]>>();

function changesBetween(running: JobClassSpec, loaded: JobClassSpec): FieldChange[] {
  let m = cache.get(running);
  if (m === undefined) cache.set(running, (m = new WeakMap()));
  let c = m.get(loaded);
  if (c === undefined) m.set(loaded, (c = diffClasses(running, loaded)));
  return c;
}

/** The instance's drift, or undefined when it runs what is loaded (or is not live). */
export function driftOf(engine: EngineApi, job: string, instance: string): Drift | undefined {
  const f = engine.instanceFacts?.(job, instance);
  if (f === undefined || (f.goal === 'stop' && f.state === 'waiting')) return undefined;
  if (f.current === undefined) return { definition: 'removed', changes: [] };
  if (f.current === f.spec) return undefined;
  const changes = changesBetween(f.spec, f.current);
  return changes.length > 0 ? { definition: 'changed', changes } : undefined;
}

/** The mark after an instance's status line: nothing without drift, so Upstart's output stays byte for byte. */
export function driftMark(d: Drift | undefined): string {
  return d === undefined ? '' : ` [${d.definition}]`;
}
