// Which conditions an event can affect: owners indexed by event name or by the job a lifecycle leaf names.
import type { ConditionState } from './conditionState.ts';

/** Index keys of a condition's leaves: `ev:NAME` for latched leaves, `lc:JOB` / `lc:*` for lifecycle ones. */
export function conditionKeys(state: ConditionState): string[] {
  const keys = new Set<string>();
  for (const l of state.leaves) {
    if (l.lifecycle) keys.add(`lc:${l.jobKey ?? '*'}`);
    else keys.add(`ev:${l.name}`);
  }
  return [...keys];
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

  /** Owners under any of the keys, each once, in insertion order per key. */
  owners(keys: readonly string[]): string[] {
    const out = new Set<string>();
    for (const k of keys) for (const o of this.byKey.get(k) ?? []) out.add(o);
    return [...out];
  }
}
