// Condition trees with memory: each leaf's value, what set it, and edge detection (DESIGN §3.1 and 1.13 legacy).
import { isJobEvent, leaves, type Condition, type MatchArg } from '../model/condition.ts';
import type { EventRecord } from './event.ts';
import { envGet, envMerge, envValue } from './envList.ts';
import { expandVars, type Lookup } from './expand.ts';
import { hasGlob } from './glob.ts';
import { intern } from '../model/intern.ts';
import { phaseEntries, type Registry } from './lifecycle.ts';
import { argsText, matchArgs } from './match.ts';

export type ConditionMode = 'default' | 'legacy';

/**
 * One leaf. Its value is `latched || level`:
 * - latched: set when a matching event is handled, cleared when the whole condition fires (plain
 *   events, a task's starting/started, a lifecycle event sent by hand for a name that is no job,
 *   and every leaf in legacy mode);
 * - level: follows the lifecycle registry (default mode, starting/started/stopping/stopped leaves).
 */
export interface LeafState {
  text: string;
  name: string;
  /** Arguments after $VAR expansion. */
  args: MatchArg[];
  /** Set when a $VAR could not be expanded: the leaf never matches. */
  unmatchable?: string;
  /** A level leaf about job lifecycle (default mode only). */
  lifecycle: boolean;
  /** The job the leaf names (first positional arg or JOB=, without globs), for indexing. */
  jobKey?: string;
  latched: boolean;
  latchedEnv?: string[];
  level: boolean;
  levelEnv?: string[];
  /** The event that last made the leaf true (to block it when the condition fires). */
  sourceEvent?: number;
  /** Legacy mode: the event this leaf holds (counted in the event's blockers). */
  heldEvent?: number;
  /** What last changed the leaf (formatted by describeChange only when asked: why()). */
  change?: LeafChange;
}

/** What last changed a leaf, as plain data. */
export type LeafChange =
  | { how: 'event'; name: string; env: string[]; at: number; holds?: boolean }
  | { how: 'cleared'; at: number }
  | { how: 'armed' };

/** `event started JOB=a INSTANCE= at 12.500s (now holds)`, `cleared when the condition fired at 13.000s`. */
export function describeChange(c: LeafChange): string {
  const when = (at: number): string => `${(at / 1000).toFixed(3)}s`;
  switch (c.how) {
    case 'event':
      if (c.holds === undefined) return `event ${c.name}${c.env.length ? ' ' + c.env.join(' ') : ''} at ${when(c.at)}`;
      return `event ${c.name} ${c.env.slice(0, 2).join(' ')} at ${when(c.at)} (${c.holds ? 'now holds' : 'no longer holds'})`;
    case 'cleared':
      return `cleared when the condition fired at ${when(c.at)}`;
    case 'armed':
      return 'already held when the condition was armed';
  }
}

export interface ConditionState {
  tree: Condition;
  leaves: LeafState[];
  /** The whole condition's value after the last update (for edge detection). */
  value: boolean;
}

/** Builds the state for a tree, expanding $VARs with `lookup` and taking levels from the registry. */
export function buildCondition(tree: Condition, lookup: Lookup, mode: ConditionMode, reg: Registry): ConditionState {
  const ls: LeafState[] = [];
  for (const op of leaves(tree)) {
    let unmatchable: string | undefined;
    // The tree's own argument objects where no $VAR changed them (read only, like the tree): no copy per class.
    const args = op.args.length === 0 ? [] : op.args.map((a) => {
      const r = expandVars(a.value, lookup);
      if ('missing' in r) {
        unmatchable ??= r.missing;
        return a;
      }
      return r.value === a.value ? a : { ...a, value: r.value };
    });
    const leaf: LeafState = {
      text: intern(argsText(op.name, op.args)),
      name: op.name,
      args,
      lifecycle: mode === 'default' && isJobEvent(op.name),
      latched: false,
      level: false,
    };
    if (unmatchable !== undefined) leaf.unmatchable = unmatchable;
    const jk = jobKeyOf(op.name, args);
    if (jk !== undefined) leaf.jobKey = jk;
    ls.push(leaf);
  }
  const state: ConditionState = { tree, leaves: ls.slice(), value: false };
  for (const l of ls) {
    if (l.lifecycle) refreshLevel(l, reg, undefined, 0);
  }
  state.value = evaluate(state);
  return state;
}

/** The job a lifecycle leaf is about, when it names exactly one. */
export function jobKeyOf(name: string, args: readonly MatchArg[]): string | undefined {
  if (!isJobEvent(name)) return undefined;
  const pos = args.find((a) => a.key === undefined);
  const keyed = args.find((a) => a.key === 'JOB' && !a.negate);
  const v = pos?.value ?? keyed?.value;
  return v !== undefined && !hasGlob(v) && !v.includes('$') ? v : undefined;
}

/** Where evalNode is in the leaf list: leaves are visited in tree order, so one counter finds each. */
interface LeafCursor {
  next: number;
}

function evalNode(c: Condition, ls: readonly LeafState[], at: LeafCursor): boolean {
  if (c.kind === 'event') {
    const l = ls[at.next++]!;
    return l.latched || l.level;
  }
  const a = evalNode(c.left, ls, at);
  const b = evalNode(c.right, ls, at);
  return c.kind === 'and' ? a && b : a || b;
}

/** Evaluates the tree from the leaves' values (re-entrant: the cursor is this call's own). */
export function evaluate(state: ConditionState): boolean {
  return evalNode(state.tree, state.leaves, { next: 0 });
}

export interface UpdateResult {
  changed: boolean;
  /**
   * Default mode: the leaves (by index) this event matched and left true — an occurrence of the
   * leaf (a latched leaf's event, a level entering its phase). The condition fires on one.
   */
  occurred: number[];
  /** Legacy: events newly held by a leaf (the caller adds one blocker each). */
  held: number[];
  /** Legacy: events a leaf let go of (the caller removes one blocker each). */
  released: number[];
}

/** The job a lifecycle event names (JOB=, else its first value), for an event sent by hand. */
export function eventJobName(env: readonly string[]): string | undefined {
  const first = env[0];
  return envGet(env, 'JOB') ?? (first === undefined ? undefined : envValue(first));
}

/**
 * Applies one event being handled to every leaf. `reg` must already reflect the event. `isJob`
 * tells a name that is a job (or service) of ours: a lifecycle event sent by hand (`initctl emit
 * started JOB=x`) about any other name is a plain event to a lifecycle leaf (DESIGN §3.1).
 */
export function updateWithEvent(state: ConditionState, ev: EventRecord, reg: Registry, mode: ConditionMode, at: number, isJob: (name: string) => boolean = () => false): UpdateResult {
  const res: UpdateResult = { changed: false, occurred: [], held: [], released: [] };
  const taskLatch = ev.job?.task === true && (ev.name === 'starting' || ev.name === 'started');
  let byHand: boolean | undefined;
  for (let i = 0; i < state.leaves.length; i++) {
    const l = state.leaves[i]!;
    if (l.unmatchable !== undefined) continue;
    if (l.lifecycle && !taskLatch && ev.job === undefined && l.name === ev.name) {
      byHand ??= !isJob(eventJobName(ev.env) ?? '');
      if (!byHand) continue;
    }
    if (!l.lifecycle || taskLatch || ev.job === undefined) {
      if (l.name !== ev.name || !matchArgs(l.args, ev.env)) {
        continue;
      }
      if (mode === 'legacy') {
        if (l.latched) continue; // 1.13 keeps the first matching event
        l.heldEvent = ev.id;
        res.held.push(ev.id);
      }
      l.latched = true;
      l.latchedEnv = ev.env;
      l.sourceEvent = ev.id;
      l.change = { how: 'event', name: ev.name, env: ev.env, at };
      res.changed = true;
      if (mode === 'default') res.occurred.push(i);
    } else if (l.jobKey === undefined || l.jobKey === ev.job!.name) {
      if (refreshLevel(l, reg, ev, at)) res.changed = true;
      // Each event entering the leaf's phase is an occurrence, even if the leaf already held.
      if (l.level && l.name === ev.name && matchArgs(l.args, ev.env)) {
        l.sourceEvent = ev.id;
        if (l.levelEnv !== ev.env) l.levelEnv = ev.env;
        res.occurred.push(i);
      }
    }
  }
  return res;
}

/** Recomputes a lifecycle leaf's level; returns true if it changed. */
function refreshLevel(l: LeafState, reg: Registry, ev: EventRecord | undefined, at: number): boolean {
  let env: string[] | undefined;
  const taskLatched = l.name === 'starting' || l.name === 'started';
  for (const e of phaseEntries(reg, l.jobKey)) {
    if (e.phase !== l.name || (taskLatched && e.task)) continue;
    if (matchArgs(l.args, e.env)) {
      env = e.env;
      break;
    }
  }
  const now = env !== undefined;
  if (now === l.level && env === l.levelEnv) return false;
  const flipped = now !== l.level;
  l.level = now;
  if (env === undefined) delete l.levelEnv;
  else l.levelEnv = env;
  if (ev !== undefined && now) l.sourceEvent = ev.id;
  if (flipped && ev !== undefined) {
    l.change = { how: 'event', name: ev.name, env: ev.env, at, holds: now };
  } else if (flipped && now) {
    l.change = { how: 'armed' };
  }
  return true;
}

export interface Firing {
  /** The environment of the events behind the true leaves, in tree order (later keys win). */
  env: string[];
  /** Their names, for UPSTART_EVENTS / UPSTART_STOP_EVENTS. */
  events: string[];
  /** Event ids behind the true leaves (to be blocked by the job if still being handled). */
  eventIds: number[];
}

/**
 * Collects what a firing condition carries: env and names of the events behind its true leaves.
 * Where `occurred` (leaf indices) is given, an `or` takes only the sides holding one, so a fire by
 * `stopped b` in `stopped a or stopped b` carries b's RESULT/EXIT_*, not a's as well.
 */
export function collectFiring(state: ConditionState, occurred: readonly number[] = []): Firing {
  const out: Firing = { env: [], events: [], eventIds: [] };
  let env: string[] = [];
  let i = 0;
  const holdsOccurrence = (from: number, to: number): boolean => occurred.some((k) => k >= from && k < to);
  const walk = (c: Condition, take: boolean): boolean => {
    if (c.kind === 'event') {
      const l = state.leaves[i++]!;
      const v = l.latched || l.level;
      if (v && take) {
        const e = l.latched ? l.latchedEnv : l.levelEnv;
        env = envMerge(env, e ?? []);
        out.events.push(l.name);
        if (l.sourceEvent !== undefined && !out.eventIds.includes(l.sourceEvent)) out.eventIds.push(l.sourceEvent);
      }
      return v;
    }
    if (c.kind === 'and') {
      const a = walk(c.left, take);
      const b = walk(c.right, take);
      return a && b;
    }
    // or: take from each true side only (only from those with an occurrence, if any has one)
    const start = i;
    const a = walk(c.left, false);
    const mid = i;
    const b = walk(c.right, false);
    const end = i;
    const occA = a && holdsOccurrence(start, mid);
    const occB = b && holdsOccurrence(mid, end);
    const only = occA || occB;
    i = start;
    walk(c.left, take && a && (!only || occA));
    walk(c.right, take && b && (!only || occB));
    return a || b;
  };
  walk(state.tree, true);
  out.env = env;
  return out;
}

/** Clears latched leaves after the condition fired (all of them, in both modes); returns released holds. */
export function resetLatched(state: ConditionState, at: number): number[] {
  const released: number[] = [];
  for (const l of state.leaves) {
    if (l.heldEvent !== undefined) {
      released.push(l.heldEvent);
      delete l.heldEvent;
    }
    if (l.latched) {
      l.latched = false;
      delete l.latchedEnv;
      if (!l.level) delete l.sourceEvent;
      l.change = { how: 'cleared', at };
    }
  }
  return released;
}

/** Every event a condition holds (legacy), for releasing when the condition is discarded. */
export function heldEvents(state: ConditionState): number[] {
  return state.leaves.flatMap((l) => (l.heldEvent === undefined ? [] : [l.heldEvent]));
}
