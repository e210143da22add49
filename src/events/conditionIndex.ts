// Which conditions an event can affect: owners indexed by event name or by the job a lifecycle leaf names.
import { isJobEvent } from '../model/condition.ts';
import type { ConditionState } from './conditionState.ts';
import { envGet, envValue } from './envList.ts';
import { intern } from '../model/intern.ts';

/**
 * Index keys of a condition's leaves: `lc:JOB` / `lc:*` for lifecycle (level) leaves, `jv:NAME:JOB`
 * for latched job-event leaves that name one job (legacy mode), `ev:NAME` for the rest.
 */
export function conditionKeys(state: ConditionState): string[] {
  const keys = new Set<string>();
  // Interned: every owner's list holds the same copy of a key many conditions share.
  for (const l of state.leaves) {
    if (l.lifecycle) keys.add(intern(`lc:${l.jobKey ?? '*'}`));
    else if (l.jobKey !== undefined) keys.add(intern(`jv:${l.name}:${l.jobKey}`));
    else keys.add(intern(`ev:${l.name}`));
  }
  return [...keys];
}

/** The keys an event can affect (see conditionKeys); `job` names the job of a lifecycle event. */
export function eventKeys(name: string, env: readonly string[], job: string | undefined, levels: boolean): string[] {
  if (levels && job !== undefined) return [`lc:${job}`, 'lc:*'];
  const keys = [`ev:${name}`];
  if (isJobEvent(name)) {
    const named = new Set<string>();
    if (job !== undefined) named.add(job);
    const first = env[0];
    if (first !== undefined) named.add(envValue(first));
    const j = envGet(env, 'JOB');
    if (j !== undefined) named.add(j);
    for (const n of named) keys.push(`jv:${name}:${n}`);
    // Sent by hand (no job behind it): it may latch a lifecycle leaf (default mode).
    if (levels) {
      for (const n of named) keys.push(`lc:${n}`);
      keys.push('lc:*');
    }
  }
  return keys;
}

/** owner ids by key; owners are strings (`c:CLASS` for start conditions, `j:ID` for stop conditions). */
export class ConditionIndex {
  private readonly byKey = new Map<string, Set<string>>();
  private readonly keysOf = new Map<string, string[]>();

  set(owner: string, state: ConditionState | undefined): void {
    this.delete(owner);
    if (state === undefined) return;
    const keys = conditionKeys(state);
    this.keysOf.set(owner, keys);
    for (const k of keys) {
      let s = this.byKey.get(k);
      if (s === undefined) this.byKey.set(k, (s = new Set()));
      s.add(owner);
    }
  }

  delete(owner: string): void {
    for (const k of this.keysOf.get(owner) ?? []) this.byKey.get(k)?.delete(owner);
    this.keysOf.delete(owner);
  }

  /** Owners under any of the keys, each once, in insertion order per key (a copy: owners may change meanwhile). */
  owners(keys: readonly string[]): string[] {
    let only: Set<string> | undefined;
    let several = false;
    for (const k of keys) {
      const s = this.byKey.get(k);
      if (s === undefined || s.size === 0) continue;
      if (only === undefined) only = s;
      else several = true;
    }
    if (only === undefined) return [];
    if (!several) return Array.from(only);
    const out = new Set<string>();
    for (const k of keys) for (const o of this.byKey.get(k) ?? []) out.add(o);
    return Array.from(out);
  }
}
