// initctl plot: the boot (or any stretch) as an SVG timeline from the event journal, like systemd-analyze plot.
import type { JournalEntry } from '../../model/engineApi.ts';
import { UsageError } from './argv.ts';
import { command, json, needArgs, type CommandSpec } from './context.ts';
import { instanceKey } from '../../model/instanceRef.ts';
import { chooseWindow, startCauses, type Cause, type Window } from './plotLayout.ts';
import { renderPlot } from './plotSvg.ts';

/** One stretch of a job instance's life: starting…running, running…stopping, stopping…waiting. */
export interface Span {
  phase: 'starting' | 'running' | 'stopping';
  from: number;
  /** undefined: still in that phase when the journal ends. */
  to?: number;
}

export interface Row {
  job: string;
  instance: string;
  spans: Span[];
}

export interface Timeline {
  /** ms, the daemon's monotonic clock (0 = the daemon started). */
  end: number;
  rows: Row[];
  /** Events other than the job lifecycle ones (those are the rows). */
  events: Array<{ t: number; name: string }>;
}

const LIFECYCLE = new Set(['starting', 'started', 'stopping', 'stopped']);

function phaseOf(state: string): Span['phase'] | undefined {
  if (state === 'running') return 'running';
  if (state === 'waiting') return undefined;
  if (['stopping', 'killed', 'post-stop', 'pre-stop'].includes(state)) return 'stopping';
  return 'starting'; // starting, security, pre-start, spawned, post-start
}

/** Rows in the order their jobs first changed state; each state change opens the span of its phase. */
export function timeline(entries: JournalEntry[]): Timeline {
  const rows = new Map<string, Row>();
  const events: Timeline['events'] = [];
  let end = 0;
  for (const e of entries) {
    end = Math.max(end, e.t);
    if (e.kind === 'event') {
      if (!LIFECYCLE.has(e.name)) events.push({ t: e.t, name: e.name });
      continue;
    }
    if (e.kind !== 'state') continue;
    const key = instanceKey(e.job, e.instance);
    let row = rows.get(key);
    if (row === undefined) rows.set(key, (row = { job: e.job, instance: e.instance, spans: [] }));
    const open = row.spans.at(-1);
    const phase = phaseOf(e.state);
    if (open !== undefined && open.to === undefined && open.phase !== phase) open.to = e.t;
    if (phase !== undefined && (open === undefined || open.to !== undefined)) row.spans.push({ phase, from: e.t });
  }
  return { end, rows: [...rows.values()], events };
}

/** The timeline as a standalone SVG over the window the data (or --since/--until) chooses (src/control/commands/plotSvg.ts). */
export function toSvg(tl: Timeline, entries: readonly JournalEntry[] = [], window: Window = chooseWindow(entries)): string {
  const w = entries.length > 0 ? window : { from: 0, to: Math.max(100, tl.end), why: 'the whole journal' };
  return renderPlot({ ...tl, window: w, causes: startCauses(entries) });
}

/** --since / --until: seconds since init started (fractions allowed), as ms; a usage error otherwise. */
function seconds(v: string | true | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--${name}: expected seconds since init started, such as 2 or 0.5, found '${String(v)}'`);
  return Number(v) * 1000;
}

/** What the daemon answers to `plot`: the timeline, its window, and the event that started each row (keyed by instanceKey). */
export interface Plot extends Timeline {
  window: Window;
  causes: Record<string, Cause>;
}

/** The daemon's side of `plot`: everything the drawing needs from the journal, and no environment. */
export function plotOf(entries: readonly JournalEntry[], since?: number, until?: number): Plot {
  const tl = timeline([...entries]);
  const window = entries.length > 0 ? chooseWindow(entries, since, until) : { from: 0, to: Math.max(100, tl.end), why: 'the whole journal' };
  return { ...tl, window, causes: Object.fromEntries(startCauses(entries)) };
}

export const plotCommands: Record<string, CommandSpec> = {
  plot: command({
    summary: 'Draw the boot (or --since/--until) as an SVG timeline from the event journal (initctl plot > boot.svg); --json for the spans.',
    usage: '[--since=SECONDS] [--until=SECONDS]',
    options: [
      { key: 'since', long: 'since', takesArg: true },
      { key: 'until', long: 'until', takesArg: true },
    ],
    requests: ['plot'],
    parse: (inv) => {
      needArgs(inv, 0, 0, '');
      const since = seconds(inv.opts.since, 'since');
      const until = seconds(inv.opts.until, 'until');
      if (since !== undefined && until !== undefined && until <= since) throw new UsageError('--until must be later than --since');
      return { type: 'plot', ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
    },
    format: (p, inv) => inv.json
      ? json({ ...p, causes: Object.fromEntries(Object.entries(p.causes).map(([k, c]) => [k.replace('\0', ' '), c])) })
      : renderPlot({ ...p, causes: new Map(Object.entries(p.causes)) }),
  }),
};
