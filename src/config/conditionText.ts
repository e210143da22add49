// Condition text: how show-config, show-config -e and `initctl why` print a condition (initctl-output spec).
import { isJobEvent, leaves, type Condition, type EventOperand, type MatchArg } from '../model/condition.ts';

/** A value as show-config prints it: bare unless it holds a blank, then double-quoted. */
export function formatValue(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) return `"${v.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
  }
  return v;
}

export function formatArg(a: MatchArg): string {
  if (a.key === undefined) return formatValue(a.value);
  return `${a.key}${a.negate === true ? '!=' : '='}${formatValue(a.value)}`;
}

/** One leaf as written: `started foo JOB=bar`. */
export function formatOperand(leaf: EventOperand): string {
  let s = leaf.name;
  for (const a of leaf.args) s += ` ${formatArg(a)}`;
  return s;
}

/** Fully parenthesised, one pair per operator: `a or b or c` → `((a or b) or c)`. */
export function formatCondition(c: Condition): string {
  if (c.kind === 'event') return formatOperand(c);
  return `(${formatCondition(c.left)} ${c.kind} ${formatCondition(c.right)})`;
}

/**
 * The job a lifecycle leaf is about (`JOB=` if present, else the first positional argument) and
 * the arguments left once it is taken out; no job for other events.
 */
export function splitJobArg(leaf: EventOperand): { job?: string; env: MatchArg[] } {
  if (!isJobEvent(leaf.name)) return { env: leaf.args };
  let at = leaf.args.findIndex((a) => a.key === 'JOB' && a.negate !== true);
  if (at < 0) at = leaf.args.findIndex((a) => a.key === undefined);
  const chosen = leaf.args[at];
  if (chosen === undefined) return { env: leaf.args };
  return { job: chosen.value, env: leaf.args.filter((_, i) => i !== at) };
}

/** show-config -e: one line per leaf, `start on EVENT (job:[ JOBNAME], env:[ ARG...])`. */
export function formatOperands(c: Condition, prefix: 'start on' | 'stop on'): string[] {
  const out: string[] = [];
  for (const leaf of leaves(c)) {
    const { job, env } = splitJobArg(leaf);
    let line = `${prefix} ${leaf.name} (job:`;
    if (job !== undefined) line += ` ${formatValue(job)}`;
    line += ', env:';
    for (const a of env) line += ` ${formatArg(a)}`;
    out.push(`${line})`);
  }
  return out;
}
