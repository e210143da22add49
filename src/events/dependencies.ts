// What starts and stops what: one pure analysis of the job classes' conditions, read by initctl graph and by the shutdown order.
import { splitJobArg } from '../config/conditionText.ts';
import { isJobEvent, leaves, type Condition, type JobEventName } from '../model/condition.ts';
import type { JobClassSpec } from '../model/jobClass.ts';
import { globMatch } from './glob.ts';

/**
 * One leaf of a class's `start on` or `stop on`. `job`: a lifecycle event of a job named in
 * the leaf (`stopping b`, `started JOB=b`), `glob` when the name is a pattern; `event`: any
 * other event, and a lifecycle event whose job is missing or a `$VARIABLE`.
 */
export type Trigger =
  | { on: 'start' | 'stop'; kind: 'job'; job: string; glob: boolean; event: JobEventName }
  | { on: 'start' | 'stop'; kind: 'event'; event: string };

export interface ClassDependencies {
  job: string;
  /** The leaves of `start on` (none with `manual`), then those of `stop on`, in file order. */
  triggers: Trigger[];
  /** `emits` names (may be globs). */
  emits: string[];
}

const hasGlob = (s: string): boolean => /[*?[]/.test(s);
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function triggersOf(c: Condition | undefined, on: Trigger['on']): Trigger[] {
  if (c === undefined) return [];
  const out: Trigger[] = [];
  for (const leaf of leaves(c)) {
    const job = isJobEvent(leaf.name) ? splitJobArg(leaf).job : undefined;
    if (job !== undefined && isJobEvent(leaf.name) && !job.includes('$')) out.push({ on, kind: 'job', job, glob: hasGlob(job), event: leaf.name });
    else out.push({ on, kind: 'event', event: leaf.name });
  }
  return out;
}

/** One class's triggers and emits. */
export function classDependencies(spec: JobClassSpec): ClassDependencies {
  return {
    job: spec.name,
    triggers: [...triggersOf(spec.manual ? undefined : spec.start, 'start'), ...triggersOf(spec.stop, 'stop')],
    emits: [...spec.emits],
  };
}

/** Every class's dependencies, sorted by name. */
export function dependencies(specs: readonly JobClassSpec[]): ClassDependencies[] {
  return [...specs].sort((a, b) => byName(a.name, b.name)).map(classDependencies);
}

/** The names among `names` a job trigger is about (a glob may name several). */
function namedBy(t: Extract<Trigger, { kind: 'job' }>, names: readonly string[]): string[] {
  return t.glob ? names.filter((n) => globMatch(t.job, n)) : names.includes(t.job) ? [t.job] : [];
}

/**
 * Pairs [first, then] among the given classes: `first` is to be stopped before `then`.
 * - a's `stop on stopping b`: a stops while b waits in stopping, so a first;
 * - a's `stop on stopped b`: a stops once b has, so b first;
 * - a's `start on started b` (or `starting b`): a runs on top of b, so a first (reverse start order).
 */
export function stopBefore(specs: readonly JobClassSpec[]): Array<[string, string]> {
  const names = specs.map((s) => s.name);
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  const add = (first: string, then: string): void => {
    const k = `${first}\0${then}`;
    if (first === then || seen.has(k)) return;
    seen.add(k);
    out.push([first, then]);
  };
  for (const d of dependencies(specs)) {
    for (const t of d.triggers) {
      if (t.kind !== 'job') continue;
      for (const other of namedBy(t, names)) {
        if (t.on === 'stop' && t.event === 'stopping') add(d.job, other);
        else if (t.on === 'stop' && t.event === 'stopped') add(other, d.job);
        else if (t.on === 'start' && (t.event === 'started' || t.event === 'starting')) add(d.job, other);
      }
    }
  }
  return out;
}

/**
 * `names` in layers, each to be stopped once every earlier one is down, following `pairs`
 * (stopBefore). A cycle is broken at one class: the first by name of those waiting for the fewest.
 */
export function layers(names: readonly string[], pairs: ReadonlyArray<readonly [string, string]>): string[][] {
  const left = new Set(names);
  const preds = new Map<string, Set<string>>();
  for (const n of names) preds.set(n, new Set());
  for (const [first, then] of pairs) if (left.has(first) && left.has(then)) preds.get(then)!.add(first);
  const out: string[][] = [];
  while (left.size > 0) {
    const waiting = (n: string): number => [...preds.get(n)!].filter((p) => left.has(p)).length;
    const rest = [...left].sort(byName);
    const ready = rest.filter((n) => waiting(n) === 0);
    // A cycle: break it at one class, the first by name of those that wait for the fewest.
    const least = Math.min(...rest.map(waiting));
    const layer = ready.length > 0 ? ready : [rest.find((n) => waiting(n) === least)!];
    for (const n of layer) left.delete(n);
    out.push(layer);
  }
  return out;
}

/**
 * The order a shutdown stops the given (live) classes in: those with a `stop on` first, in
 * layers that follow the events (stopBefore), then those without one, in layers too.
 */
export function shutdownOrder(specs: readonly JobClassSpec[]): string[][] {
  const pairs = stopBefore(specs);
  const withStop = specs.filter((s) => s.stop !== undefined).map((s) => s.name);
  const without = specs.filter((s) => s.stop === undefined).map((s) => s.name);
  return [...layers(withStop, pairs), ...layers(without, pairs)];
}
