// initctl plot: the boot (or any stretch) as an SVG timeline from the event journal, like systemd-analyze plot.
import type { JournalEntry } from '../../model/engineApi.ts';
import { command, json, needArgs, type CommandSpec } from './context.ts';
import { instanceKey, instanceLabel } from '../../model/instanceRef.ts';

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

const STEPS_MS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000];
const COLOUR = { starting: '#e8a09a', running: '#8cc98c', stopping: '#e9cf82' } as const;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The timeline as a standalone SVG: a row per job instance, a scale in seconds, the other events as ticks. */
export function toSvg(tl: Timeline): string {
  const rowH = 16;
  const top = 40;
  const left = 10;
  // The whole stretch across about 1,200 px, a grid line at a round step (at most 20 of them).
  const span = Math.max(100, tl.end);
  const pxPerMs = 1200 / span;
  const step = STEPS_MS.find((ms) => span / ms <= 20) ?? 600_000;
  const x = (t: number): number => left + t * pxPerMs;
  const width = Math.ceil(x(span) + 250);
  const height = top + tl.rows.length * rowH + 20;
  const o: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (let t = 0; t <= span; t += step) {
    const at = x(t).toFixed(1);
    o.push(`<line x1="${at}" y1="${top - 12}" x2="${at}" y2="${height - 20}" stroke="#dddddd"/>`);
    o.push(`<text x="${(x(t) + 2).toFixed(1)}" y="${top - 14}" fill="#666666">${+(t / 1000).toFixed(3)}s</text>`);
  }
  for (const ev of tl.events) {
    o.push(`<line x1="${x(ev.t).toFixed(1)}" y1="4" x2="${x(ev.t).toFixed(1)}" y2="${top - 16}" stroke="#3060c0"><title>${esc(ev.name)} at ${(ev.t / 1000).toFixed(3)}s</title></line>`);
  }
  tl.rows.forEach((r, i) => {
    const y = top + i * rowH;
    const label = instanceLabel(r.job, r.instance);
    for (const sp of r.spans) {
      const w = Math.max(1, x(sp.to ?? tl.end) - x(sp.from));
      o.push(`<rect x="${x(sp.from).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 3}" fill="${COLOUR[sp.phase]}"><title>${esc(label)} ${sp.phase} ${(sp.from / 1000).toFixed(3)}s${sp.to !== undefined ? `–${(sp.to / 1000).toFixed(3)}s` : ''}</title></rect>`);
    }
    const at = r.spans[0] !== undefined ? x(r.spans[0].from) : left;
    o.push(`<text x="${(at + 3).toFixed(1)}" y="${y + rowH - 6}">${esc(label)}</text>`);
  });
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}

export const plotCommands: Record<string, CommandSpec> = {
  plot: command({
    summary: 'Draw the job timeline from the event journal as SVG (initctl plot > boot.svg); --json for the spans.',
    usage: '',
    requests: ['plot'],
    parse: (inv) => {
      needArgs(inv, 0, 0, '');
      return { type: 'plot' };
    },
    format: (tl, inv) => (inv.json ? json(tl) : toSvg(tl)),
  }),
};
