// Matching an event operand's arguments (positional and KEY=VALUE, globbed, negated) against an event env.
import type { MatchArg } from '../model/condition.ts';
import { envKey, envValue } from './envList.ts';
import { globMatch } from './glob.ts';

/**
 * Positional arguments match the event's entries in order (the first positional arg against the
 * first entry's value, and so on); keyed ones match the entry with that key. A missing entry never
 * matches, whether the argument is `=` or `!=`.
 */
export function matchArgs(args: readonly MatchArg[], env: readonly string[]): boolean {
  let pos = 0;
  for (const a of args) {
    if (a.key === undefined) {
      const e = env[pos++];
      if (e === undefined) return false;
      if (!globMatch(a.value, envValue(e))) return false;
      continue;
    }
    let entry: string | undefined;
    for (let i = env.length - 1; i >= 0; i--) {
      if (envKey(env[i]!) === a.key) {
        entry = env[i];
        break;
      }
    }
    if (entry === undefined) return false;
    const ok = globMatch(a.value, envValue(entry));
    if (ok === Boolean(a.negate)) return false;
  }
  return true;
}

/** The leaf as written: `started foo JOB=bar RUNLEVEL!=2`. */
export function argsText(name: string, args: readonly MatchArg[]): string {
  const parts = [name];
  for (const a of args) {
    const v = /[\s"'()]/.test(a.value) || a.value === '' ? JSON.stringify(a.value) : a.value;
    parts.push(a.key === undefined ? v : `${a.key}${a.negate ? '!=' : '='}${v}`);
  }
  return parts.join(' ');
}
