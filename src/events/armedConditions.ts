// Armed conditions: each class's `start on`, each instance's `stop on` and `expect CONDITION`, indexed by the events that can change them.
import type { Condition } from '../model/condition.ts';
import { ConditionIndex, eventKeys } from './conditionIndex.ts';
import { buildCondition, collectFiring, evaluate, heldEvents, resetLatched, updateWithEvent, type ConditionMode, type ConditionState, type Firing } from './conditionState.ts';
import type { EventRecord } from './event.ts';
import type { Lookup } from './expand.ts';
import type { Registry } from './lifecycle.ts';

/** Who a condition belongs to: a class's `start on`, an instance's `stop on`, an instance's readiness (`expect CONDITION`). */
export type Owner = { kind: 'start'; job: string } | { kind: 'stop'; id: number } | { kind: 'ready'; id: number };

export function ownerKey(o: Owner): string {
  return o.kind === 'start' ? `c:${o.job}` : o.kind === 'stop' ? `j:${o.id}` : `r:${o.id}`;
}

/** What the engine does when an event changes a condition. */
export interface ConditionHooks {
  /** Legacy: a leaf now holds this event. */
  hold(eventId: number): void;
  /** A leaf let go of this event (legacy), after the condition fired. */
  release(eventId: number): void;
  /**
   * The owner's condition fired: default mode, an event turned one of its leaves true (an
   * occurrence) and the whole condition is true afterwards; legacy, it went false → true.
   */
  fire(owner: Owner, firing: Firing): void;
}

/**
 * The condition states themselves are plain data (ConditionState) and live here and, for instances,
 * on the job record too (`stop`, `ready`): the same object, so a snapshot of either sees one state.
 */
export class ArmedConditions {
  private readonly armed = new Map<string, { owner: Owner; cond: ConditionState; seq: number }>();
  private readonly index = new ConditionIndex();
  /** Arming order: an event visits the conditions under one index key in the order they were (re)armed. */
  private seq = 0;
  /** Conditions updated so far (for the benchmark). */
  evaluations = 0;

  constructor(
    readonly mode: ConditionMode,
    readonly registry: Registry,
    /** Whether a name is a job or service of ours (its lifecycle leaves are levels; see updateWithEvent). */
    readonly isJob: (name: string) => boolean = (name) => registry[name] !== undefined,
  ) {}

  /** A fresh state for a tree, `$VAR`s expanded with lookup, levels taken from the registry. */
  build(tree: Condition, lookup: Lookup): ConditionState {
    return buildCondition(tree, lookup, this.mode, this.registry);
  }

  get(owner: Owner): ConditionState | undefined {
    return this.armed.get(ownerKey(owner))?.cond;
  }

  /** Arms, replaces or (undefined) disarms the owner's condition; returns the events the old one held (legacy). */
  set(owner: Owner, cond: ConditionState | undefined): number[] {
    const key = ownerKey(owner);
    const old = this.armed.get(key);
    const held = old === undefined ? [] : heldEvents(old.cond);
    if (cond === undefined) {
      this.armed.delete(key);
      this.index.delete(key);
    } else {
      this.armed.set(key, { owner, cond, seq: this.seq++ });
      this.index.set(key, cond);
    }
    return held;
  }

  /** Every armed owner, oldest arming first (re-arming them in this order restores the visiting order). */
  order(): Owner[] {
    return [...this.armed.values()].sort((a, b) => a.seq - b.seq).map((a) => a.owner);
  }

  /** Every class start condition, by class name. */
  startConditions(): Record<string, ConditionState> {
    const out: Record<string, ConditionState> = {};
    for (const { owner, cond } of this.armed.values()) if (owner.kind === 'start') out[owner.job] = cond;
    return out;
  }

  /** Applies an event being handled (the registry already reflects it) to every condition it can change. */
  handle(ev: EventRecord, now: number, hooks: ConditionHooks): void {
    const keys = eventKeys(ev.name, ev.env, ev.job?.name, this.mode === 'default');
    for (const key of this.index.owners(keys)) {
      const a = this.armed.get(key);
      if (a === undefined) continue;
      const cond = a.cond;
      this.evaluations++;
      const r = updateWithEvent(cond, ev, this.registry, this.mode, now, this.isJob);
      for (const id of r.held) hooks.hold(id);
      if (!r.changed && r.occurred.length === 0) continue;
      const value = evaluate(cond);
      // Default: the edge of a leaf (every occurrence counts) with the whole true afterwards;
      // legacy (1.13): the whole tree going true (it is reset when it fires, so that is every time).
      if (value && (!cond.value || r.occurred.length > 0)) {
        const firing = collectFiring(cond, r.occurred);
        const released = resetLatched(cond, now);
        cond.value = evaluate(cond);
        hooks.fire(a.owner, firing);
        for (const id of released) hooks.release(id);
      } else {
        cond.value = value;
      }
    }
  }
}
