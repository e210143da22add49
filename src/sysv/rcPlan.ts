// The order of one runlevel's scripts, as startpar runs them: number by number; within a number, in parallel where the dependencies allow.
import type { DependMap } from './dependFile.ts';
import type { LsbHeader } from './lsbHeader.ts';

export interface PlanScript {
  /** The service name: the link's name without S/K and its two digits (`S02b` → `b`). */
  name: string;
  /** The link's name, which gives the numeric order (`S02b`). */
  link: string;
  number: number;
  /** Undefined: the script has no LSB header. */
  header?: LsbHeader;
}

export interface PlanStep {
  name: string;
  /** Scripts of the same number that must have ended before this one begins. */
  after: string[];
}

export interface PlanGroup {
  number: number;
  steps: PlanStep[];
  /** The scripts whose dependencies went round in a circle; the group then runs one at a time in numeric order. */
  cycle?: string[];
}

function byLink(a: PlanScript, b: PlanScript): number {
  return a.link < b.link ? -1 : a.link > b.link ? 1 : 0;
}

/** Who provides each name (LSB Provides, and every script its own name). */
function providers(all: readonly PlanScript[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (k: string, v: string): void => {
    const l = m.get(k) ?? [];
    if (!l.includes(v)) l.push(v);
    m.set(k, l);
  };
  for (const s of all) {
    add(s.name, s.name);
    for (const p of s.header?.provides ?? []) add(p, s.name);
  }
  return m;
}

/** In-group edges: name → the names it waits for. */
function groupEdges(members: PlanScript[], action: 'start' | 'stop', prov: Map<string, string[]>, depend: DependMap | undefined): Map<string, Set<string>> {
  const inGroup = new Set(members.map((s) => s.name));
  const edges = new Map<string, Set<string>>(members.map((s) => [s.name, new Set<string>()]));
  const wait = (who: string, on: string): void => {
    if (who !== on && inGroup.has(on)) edges.get(who)!.add(on);
  };
  const resolve = (names: readonly string[]): string[] => names.flatMap((n) => prov.get(n) ?? []);
  members.forEach((s, i) => {
    if (depend !== undefined) {
      for (const p of depend.get(s.name) ?? []) wait(s.name, p);
      return;
    }
    if (s.header === undefined) {
      // No LSB header: it runs alone, after what sorts before it and before what sorts after it (sysv-rc's order).
      members.forEach((o, j) => (j < i ? wait(s.name, o.name) : j > i ? wait(o.name, s.name) : undefined));
      return;
    }
    if (action === 'start') {
      const names = [...s.header.requiredStart, ...s.header.shouldStart];
      if (names.includes('$all')) for (const o of members) if (!o.header?.requiredStart.includes('$all')) wait(s.name, o.name);
      for (const p of resolve(names)) wait(s.name, p);
    } else {
      // Y's Required-Stop: X means X must still run while Y stops: Y stops first.
      for (const o of members) {
        const needs = resolve([...(o.header?.requiredStop ?? []), ...(o.header?.shouldStop ?? [])]);
        if (needs.includes(s.name)) wait(s.name, o.name);
      }
    }
  });
  return edges;
}

/** The names left on or between cycles: Kahn's algorithm from both ends. */
function cycleOf(edges: Map<string, Set<string>>): string[] {
  const left = new Set(edges.keys());
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of [...left]) {
      const waitsOnLeft = [...edges.get(n)!].some((m) => left.has(m));
      const awaitedByLeft = [...left].some((m) => edges.get(m)!.has(n));
      if (!waitsOnLeft || !awaitedByLeft) {
        left.delete(n);
        changed = true;
      }
    }
  }
  return [...left];
}

/**
 * The groups in numeric order. `depend` (insserv's .depend.* file) replaces the headers when given.
 * Dependencies on scripts of other numbers are already met by the numbers, or cannot be (numbers win).
 */
export function planGroups(scripts: readonly PlanScript[], action: 'start' | 'stop', depend?: DependMap): PlanGroup[] {
  const prov = providers(scripts);
  const numbers = [...new Set(scripts.map((s) => s.number))].sort((a, b) => a - b);
  return numbers.map((number) => {
    const members = scripts.filter((s) => s.number === number).sort(byLink);
    const edges = groupEdges(members, action, prov, depend);
    const cycle = cycleOf(edges).sort();
    if (cycle.length > 0) {
      return { number, cycle, steps: members.map((s, i) => ({ name: s.name, after: i > 0 ? [members[i - 1]!.name] : [] })) };
    }
    return { number, steps: members.map((s) => ({ name: s.name, after: [...edges.get(s.name)!].sort() })) };
  });
}
