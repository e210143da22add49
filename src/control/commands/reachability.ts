// check-config's analysis: which `start on` / `stop on` leaves name events nobody emits or jobs that do not exist.
import { isJobEvent, leaves, type Condition, type EventOperand } from '../../model/condition.ts';
import type { JobClassSpec } from '../../model/jobClass.ts';
import { splitJobArg } from '../../config/conditionText.ts';
import { globMatch, hasGlob } from '../../events/glob.ts';
import { isDaemonEvent } from '../../model/daemonEvents.ts';

export interface Problem {
  on: 'start' | 'stop';
  kind: 'event' | 'job';
  name: string;
}

export interface JobProblems {
  job: string;
  problems: Problem[];
}

interface Known {
  jobs: string[];
  /** `emits` names of every class; may hold globs. */
  emits: string[];
  ignore: Set<string>;
}

function leafProblem(leaf: EventOperand, on: Problem['on'], k: Known): Problem | undefined {
  if (isJobEvent(leaf.name)) {
    const job = splitJobArg(leaf).job;
    if (job === undefined || job.includes('$')) return undefined;
    const ok = hasGlob(job) ? k.jobs.some((j) => globMatch(job, j)) : k.jobs.includes(job);
    return ok ? undefined : { on, kind: 'job', name: job };
  }
  if (isDaemonEvent(leaf.name) || leaf.name.startsWith(':sys:') || k.ignore.has(leaf.name)) return undefined;
  return k.emits.some((glob) => globMatch(glob, leaf.name)) ? undefined : { on, kind: 'event', name: leaf.name };
}

/** Whether a condition could become true; `or` needs one side, or both with warn. */
function reachable(c: Condition, on: Problem['on'], k: Known, warn: boolean): boolean {
  if (c.kind === 'event') return leafProblem(c, on, k) === undefined;
  const l = reachable(c.left, on, k, warn);
  const r = reachable(c.right, on, k, warn);
  return c.kind === 'and' || warn ? l && r : l || r;
}

/** Problems of one condition: every bad leaf, but only when the whole condition cannot become true. */
function conditionProblems(c: Condition | undefined, on: Problem['on'], k: Known, warn: boolean): Problem[] {
  if (c === undefined || reachable(c, on, k, warn)) return [];
  const out: Problem[] = [];
  for (const leaf of leaves(c)) {
    const p = leafProblem(leaf, on, k);
    if (p) out.push(p);
  }
  return out;
}

/** Checks the given classes against every known class; only jobs with problems are returned, sorted by name. */
export function checkConfig(
  all: readonly JobClassSpec[],
  only: readonly JobClassSpec[],
  opts: { ignoreEvents: readonly string[]; warn: boolean },
): JobProblems[] {
  const k: Known = {
    jobs: all.map((c) => c.name),
    emits: all.flatMap((c) => c.emits),
    ignore: new Set(opts.ignoreEvents),
  };
  const result: JobProblems[] = [];
  for (const spec of [...only].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const problems = [
      ...conditionProblems(spec.manual ? undefined : spec.start, 'start', k, opts.warn),
      ...conditionProblems(spec.stop, 'stop', k, opts.warn),
    ];
    if (problems.length > 0) result.push({ job: spec.name, problems });
  }
  return result;
}

/** check-config's text: the job name, then `  start on: unknown event NAME` lines. */
export function formatProblems(list: readonly JobProblems[]): string {
  return list
    .map((j) => `${j.job}\n${j.problems.map((p) => `  ${p.on} on: unknown ${p.kind} ${p.name}\n`).join('')}`)
    .join('');
}
