// initctl plot's drawing: labelled bars per job instance, arrows from the events that started them, axis ticks and a legend, as SVG.
import { instanceKey, instanceLabel } from '../../model/instanceRef.ts';
import type { Cause, Window } from './plotLayout.ts';

export interface PlotSpan {
  phase: 'starting' | 'running' | 'stopping';
  from: number;
  to?: number;
}

export interface PlotRow {
  job: string;
  instance: string;
  spans: PlotSpan[];
}

export interface PlotInput {
  rows: PlotRow[];
  events: Array<{ t: number; name: string }>;
  /** When the journal ends: an open span runs to here. */
  end: number;
  window: Window;
  causes: Map<string, Cause>;
}

const COLOUR = { starting: '#e07b6f', running: '#6dbb6d', stopping: '#e3c25b' } as const;
const STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
const ROW = 16;
const CHART = 1100;
const MIN_BAR = 3;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const sec = (ms: number): string => `${+(ms / 1000).toFixed(3)}s`;
const f1 = (n: number): string => n.toFixed(1);

/** A standalone SVG: header (title, legend, axis), an event lane, then one row per job instance that has a span in the window. */
export function renderPlot(p: PlotInput): string {
  const { from, to } = p.window;
  const inWindow = (s: PlotSpan): boolean => s.from <= to && (s.to ?? p.end) >= from;
  const rows = p.rows.filter((r) => r.spans.some(inWindow));
  const labels = rows.map((r) => instanceLabel(r.job, r.instance));
  const labelW = Math.min(360, Math.max(80, ...labels.map((l) => l.length * 6.4 + 16)));
  const left = labelW + 10;
  const lane = 118;
  const top = lane + 30;
  const height = top + rows.length * ROW + 30;
  const width = left + CHART + 90;
  const pxPerMs = CHART / (to - from);
  const x = (t: number): number => left + (Math.min(Math.max(t, from), to) - from) * pxPerMs;
  const step = STEPS_MS.find((ms) => (to - from) / ms <= 12) ?? 3_600_000;
  const rowY = new Map(rows.map((r, i) => [instanceKey(r.job, r.instance), top + i * ROW]));
  const o: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="11">`,
    '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#3060c0"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Job timeline: ${rows.length} job instance${rows.length === 1 ? '' : 's'}, ${sec(from)} to ${sec(to)}</text>`,
    `<text x="10" y="40" fill="#555555">${esc(p.window.why)}; times are seconds since init started</text>`,
  ];
  // Legend.
  const legend: Array<[string, string]> = [['starting', COLOUR.starting], ['running', COLOUR.running], ['stopping', COLOUR.stopping]];
  o.push('<g class="legend">');
  legend.forEach(([name, colour], i) => {
    o.push(`<rect x="${10 + i * 110}" y="52" width="14" height="11" fill="${colour}"/><text x="${28 + i * 110}" y="62">${name}</text>`);
  });
  o.push(`<line x1="340" y1="57" x2="376" y2="57" stroke="#3060c0" stroke-width="1.2" marker-end="url(#arrow)"/><text x="382" y="62">started by this event</text>`);
  o.push(`<line x1="530" y1="51" x2="530" y2="63" stroke="#8a5cc0" stroke-width="2"/><text x="536" y="62">another event</text>`);
  o.push('</g>');
  // Axis: ticks, labels, grid lines and alternate row stripes.
  rows.forEach((_r, i) => {
    if (i % 2 === 1) o.push(`<rect x="0" y="${top + i * ROW}" width="${width}" height="${ROW}" fill="#f4f6fa"/>`);
  });
  o.push(`<line x1="${left}" y1="${lane - 22}" x2="${left + CHART}" y2="${lane - 22}" stroke="#333333"/>`);
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const at = f1(x(t));
    o.push(`<line x1="${at}" y1="${lane - 27}" x2="${at}" y2="${lane - 22}" stroke="#333333"/>`);
    o.push(`<text x="${at}" y="${lane - 31}" text-anchor="middle" fill="#333333">${sec(t)}</text>`);
    o.push(`<line x1="${at}" y1="${lane - 22}" x2="${at}" y2="${height - 24}" stroke="#e2e2e2"/>`);
  }
  // The event lane: events other than the jobs' own lifecycle ones, named where there is room.
  o.push(`<text x="${left - 8}" y="${lane + 4}" text-anchor="end" fill="#8a5cc0">events</text>`);
  let lastLabel = -Infinity;
  for (const ev of p.events) {
    if (ev.t < from || ev.t > to) continue;
    const at = x(ev.t);
    o.push(`<line x1="${f1(at)}" y1="${lane - 8}" x2="${f1(at)}" y2="${lane + 8}" stroke="#8a5cc0" stroke-width="2"><title>${esc(ev.name)} at ${sec(ev.t)}</title></line>`);
    if (at - lastLabel > ev.name.length * 6.4 + 8) {
      o.push(`<text x="${f1(at + 3)}" y="${lane + 20}" fill="#8a5cc0" font-size="10">${esc(ev.name)}</text>`);
      lastLabel = at;
    }
  }
  // Rows: the label, the bars, the duration, and the arrow from the event that started it.
  rows.forEach((r, i) => {
    const y = top + i * ROW;
    const key = instanceKey(r.job, r.instance);
    const label = labels[i] as string;
    o.push(`<g class="row" data-job="${esc(r.job)}" data-instance="${esc(r.instance)}">`);
    o.push(`<text class="label" x="${left - 8}" y="${y + ROW - 4}" text-anchor="end">${esc(label)}</text>`);
    let endX = left;
    for (const sp of r.spans.filter(inWindow)) {
      const x0 = x(sp.from);
      const w = Math.max(MIN_BAR, x(sp.to ?? p.end) - x0);
      endX = Math.max(endX, x0 + w);
      const until = sp.to !== undefined ? `${sec(sp.to)}` : 'on';
      o.push(`<rect class="bar ${sp.phase}" x="${f1(x0)}" y="${y + 2}" width="${f1(w)}" height="${ROW - 4}" fill="${COLOUR[sp.phase]}"><title>${esc(label)}: ${sp.phase} ${sec(sp.from)} to ${until}</title></rect>`);
    }
    const first = r.spans[0];
    const last = r.spans.at(-1);
    if (first !== undefined && last !== undefined) {
      const took = (last.to ?? p.end) - first.from;
      o.push(`<text x="${f1(endX + 4)}" y="${y + ROW - 4}" fill="#555555" font-size="10">${last.to === undefined && last.phase === 'running' ? `up at ${sec(last.from)}` : sec(took)}</text>`);
    }
    const cause = p.causes.get(key);
    if (cause !== undefined && first !== undefined && cause.t >= from && cause.t <= to) {
      const fromY = cause.fromKey !== undefined ? rowY.get(cause.fromKey) : undefined;
      const sy = fromY !== undefined ? fromY + ROW / 2 : lane + 8;
      const sx = x(cause.t);
      const ty = y + ROW / 2;
      const tx = Math.max(x(first.from), sx + 0.5);
      o.push(`<path class="cause" d="M${f1(sx)},${f1(sy)} C${f1(sx)},${f1(ty)} ${f1(sx)},${f1(ty)} ${f1(tx)},${f1(ty)}" fill="none" stroke="#3060c0" stroke-opacity="0.55" stroke-width="1" marker-end="url(#arrow)"><title>${esc(label)} started on ${esc(cause.name)} at ${sec(cause.t)}</title></path>`);
    }
    o.push('</g>');
  });
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}
