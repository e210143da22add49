// What differs between two definitions of a job class, fact by fact (reload --dry-run, drift in status); pure.
import type { JobClassSpec } from '../model/jobClass.ts';
import { formatCondition } from './conditionText.ts';
import { jobToJson } from './jobJson.ts';

/** One fact that differs: absent `before` = added, absent `after` = gone. */
export interface FieldChange {
  /** The stanza it comes from: `start on`, `exec` (main), `pre-start`, `action rotate`, `env`, `respawn`… */
  field: string;
  before?: string;
  after?: string;
}

/**
 * A class's facts as `field → text`, in jobToJson's order: conditions as show-config prints them,
 * each process and action as `exec CMD` or `script` + body, the rest as JSON. Where a stanza
 * stands (its line) and which file it came from are not facts: a comment added above it, or the
 * same file staged in another directory, changes nothing.
 */
export function classFacts(spec: JobClassSpec): Map<string, string> {
  const out = new Map<string, string>();
  const json = jobToJson(spec);
  for (const [key, value] of Object.entries(json)) {
    if (key === 'name' || key === 'path') continue;
    if (key === 'start' || key === 'stop') continue;
    if (key === 'process' || key === 'actions') {
      const table = key === 'process' ? spec.process : spec.actions ?? {};
      for (const [name, p] of Object.entries(table)) {
        if (p === undefined) continue;
        const field = key === 'actions' ? `action ${name}` : name === 'main' ? 'main' : name;
        out.set(field, p.kind === 'exec' ? `exec ${p.command}` : `script\n${p.command}end script`);
      }
      continue;
    }
    out.set(key, JSON.stringify(value));
  }
  if (spec.start !== undefined && !spec.manual) out.set('start on', formatCondition(spec.start));
  if (spec.stop !== undefined) out.set('stop on', formatCondition(spec.stop));
  return out;
}

/** Every fact that differs from `before` to `after` (empty: the same class). */
export function diffClasses(before: JobClassSpec, after: JobClassSpec): FieldChange[] {
  const a = classFacts(before);
  const b = classFacts(after);
  const out: FieldChange[] = [];
  for (const [field, v] of a) {
    const w = b.get(field);
    if (w === v) continue;
    out.push(w === undefined ? { field, before: v } : { field, before: v, after: w });
  }
  for (const [field, w] of b) if (!a.has(field)) out.push({ field, after: w });
  return out;
}

/** A running instance as the reload plan names it. */
export interface PlanInstance {
  job: string;
  instance: string;
  goal: 'start' | 'stop';
  state: string;
  /** The definition it runs with. */
  spec: JobClassSpec;
}

export interface ReloadPlan {
  /** The directories read (the conf dirs, or --from DIR). */
  dirs: string[];
  added: string[];
  changed: Array<{ name: string; changes: FieldChange[] }>;
  removed: string[];
  /** Problems in the files read, `FILE:LINE:COL: message` (a class whose file no longer parses is among `removed`). */
  errors: string[];
  /** Instances that would go on running a definition other than the one loaded after the reload (until they stop). */
  kept: Array<{ job: string; instance: string; goal: string; state: string; changes: FieldChange[] | 'removed' }>;
}

/**
 * The reload that replacing `loaded` (the classes now) by `next` (the files read) would be, and
 * which live instances would keep an old definition: those of changed and removed classes, and
 * those already running an older one than `next` has.
 */
export function planReload(dirs: string[], loaded: readonly JobClassSpec[], next: ReadonlyMap<string, JobClassSpec>, errors: string[], instances: readonly PlanInstance[]): ReloadPlan {
  const now = new Map(loaded.map((s) => [s.name, s] as const));
  const plan: ReloadPlan = { dirs: [...dirs], added: [], changed: [], removed: [], errors: [...errors], kept: [] };
  for (const [name, spec] of [...next].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const cur = now.get(name);
    if (cur === undefined) plan.added.push(name);
    else {
      const changes = diffClasses(cur, spec);
      if (changes.length > 0) plan.changed.push({ name, changes });
    }
  }
  for (const name of [...now.keys()].sort()) if (!next.has(name)) plan.removed.push(name);
  for (const i of instances) {
    if (i.goal === 'stop' && i.state === 'waiting') continue;
    const to = next.get(i.job);
    const changes = to === undefined ? 'removed' : diffClasses(i.spec, to);
    if (changes === 'removed' || changes.length > 0) plan.kept.push({ job: i.job, instance: i.instance, goal: i.goal, state: i.state, changes });
  }
  return plan;
}
