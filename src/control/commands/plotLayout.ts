// initctl plot's choices from the data: the time window (the boot, or --since/--until) and the event that started each row.
import type { JournalEntry } from '../../model/engineApi.ts';
import { instanceKey } from '../../model/instanceRef.ts';

export interface Window {
  /** ms on the daemon's monotonic clock. */
  from: number;
  to: number;
  /** How it was chosen, for the plot's caption. */
  why: string;
}

/** States a job passes through on its way somewhere; `running` and `waiting` are where it rests. */
const RESTING = new Set(['running', 'waiting']);

/**
 * The boot: from the first entry to the state change after which no job instance is on its way
 * anywhere and nothing changes for at least max(2 s, the boot's length so far). The whole journal
 * when it never settles. `since`/`until` (ms) replace either end.
 */
export function chooseWindow(entries: readonly JournalEntry[], since?: number, until?: number): Window {
  const first = entries[0]?.t ?? 0;
  const last = entries.at(-1)?.t ?? 0;
  let to = last;
  let why = 'the whole journal (the jobs never settled)';
  const moving = new Set<string>();
  const states = entries.filter((e): e is Extract<JournalEntry, { kind: 'state' }> => e.kind === 'state');
  for (let i = 0; i < states.length; i++) {
    const s = states[i] as (typeof states)[number];
    const key = instanceKey(s.job, s.instance);
    if (RESTING.has(s.state)) moving.delete(key);
    else moving.add(key);
    if (moving.size > 0) continue;
    const next = states[i + 1];
    if (next === undefined || next.t - s.t >= Math.max(2000, s.t - first)) {
      to = s.t;
      why = 'the boot: until every job had settled';
      break;
    }
  }
  const from = since ?? first;
  if (until !== undefined) to = until;
  else if (since !== undefined && since >= to) to = last;
  if (since !== undefined || until !== undefined) why = `--since/--until: ${(from / 1000).toFixed(3)}s to ${(to / 1000).toFixed(3)}s`;
  if (to <= from) to = from + 100;
  return { from, to, why };
}

/** The event that started a job instance: its name and, for a job's own lifecycle events, that job's row key. */
export interface Cause {
  t: number;
  name: string;
  /** The instance whose starting/started/stopping/stopped event it was. */
  fromKey?: string;
}

const LIFECYCLE = new Set(['starting', 'started', 'stopping', 'stopped']);

/**
 * For each instance, the event being handled when its goal became start: the last event entry before
 * its first goal-start state entry, when only state changes came in between and within 100 ms (a start
 * by initctl has none). Keyed by instanceKey.
 */
export function startCauses(entries: readonly JournalEntry[]): Map<string, Cause> {
  const causes = new Map<string, Cause>();
  const seen = new Set<string>();
  let lastEvent: Extract<JournalEntry, { kind: 'event' }> | undefined;
  let quiet = true;
  for (const e of entries) {
    if (e.kind === 'event') {
      lastEvent = e;
      quiet = true;
      continue;
    }
    if (e.kind !== 'state') {
      quiet = false;
      continue;
    }
    const key = instanceKey(e.job, e.instance);
    if (e.goal !== 'start') {
      seen.delete(key);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    if (lastEvent === undefined || !quiet || e.t - lastEvent.t > 100) continue;
    const cause: Cause = { t: lastEvent.t, name: lastEvent.name };
    if (LIFECYCLE.has(lastEvent.name)) {
      const job = lastEvent.env.find((v) => v.startsWith('JOB='))?.slice(4);
      const instance = lastEvent.env.find((v) => v.startsWith('INSTANCE='))?.slice(9) ?? '';
      if (job !== undefined) {
        cause.name = `${lastEvent.name} ${job}`;
        cause.fromKey = instanceKey(job, instance);
      }
    }
    if (!causes.has(key)) causes.set(key, cause);
  }
  return causes;
}
