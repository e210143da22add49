// The lifecycle registry: which phase each job instance is in, for level leaves (DESIGN §3.1).
import type { JobEventName } from '../model/condition.ts';

/**
 * The last lifecycle event of one job instance and its env. `started J` holds while an instance of
 * J is in phase started (until its stopping event), `stopped J` while in phase stopped (until its
 * next starting event), `starting`/`stopping` while that event is being handled or is blocked.
 */
export interface PhaseEntry {
  job: string;
  instance: string;
  phase: JobEventName;
  env: string[];
  task: boolean;
  /** Monotonic ms of the event. */
  at: number;
}

/** job name → instance → entry. Plain data. */
export type Registry = Record<string, Record<string, PhaseEntry>>;

export function setPhase(reg: Registry, entry: PhaseEntry): void {
  (reg[entry.job] ??= {})[entry.instance] = entry;
}

/** Entries for one job name, or for every job when name is undefined. */
export function phaseEntries(reg: Registry, job: string | undefined): PhaseEntry[] {
  if (job !== undefined) {
    const m = reg[job];
    return m === undefined ? [] : Object.values(m);
  }
  const out: PhaseEntry[] = [];
  for (const m of Object.values(reg)) for (const e of Object.values(m)) out.push(e);
  return out;
}
