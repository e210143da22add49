// initctl graph: what starts and stops what, as GraphViz DOT (like initctl2dot(8)) or JSON nodes and edges.
import { dependencies } from '../../events/dependencies.ts';
import type { JobClassSpec } from '../../model/jobClass.ts';
import { command, json, type CommandSpec } from './context.ts';

export interface GraphNode {
  id: string;
  kind: 'job' | 'event';
  label: string;
}

/** start/stop: an event (or a job's lifecycle event) moves the job; emits: the job emits the event. */
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'start' | 'stop' | 'emits';
  /** For a job's lifecycle event: `started`, `stopping`…; else the event's name is the `from` node. */
  label?: string;
}

export interface JobGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const jobId = (name: string): string => `job:${name}`;
const eventId = (name: string): string => `event:${name}`;

/**
 * Nodes are jobs and plain events; `started foo` in a's `start on` is an edge foo → a labelled
 * `started` (a job named by a glob or a variable is drawn as the plain event). With `only`, just
 * those jobs' conditions and emits are drawn (initctl2dot's --restrict-to-jobs), with whatever
 * they reach. The conditions are read by events/dependencies.ts, as the shutdown order is.
 */
export function jobGraph(specs: JobClassSpec[], only?: ReadonlySet<string>): JobGraph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const node = (n: GraphNode): void => { if (!nodes.has(n.id)) nodes.set(n.id, n); };
  const edge = (e: GraphEdge): void => {
    const k = `${e.from}\0${e.to}\0${e.kind}\0${e.label ?? ''}`;
    if (!seen.has(k)) { seen.add(k); edges.push(e); }
  };
  for (const d of dependencies(specs)) {
    if (only !== undefined && !only.has(d.job)) continue;
    node({ id: jobId(d.job), kind: 'job', label: d.job });
    for (const t of d.triggers) {
      if (t.kind === 'job' && !t.glob) {
        node({ id: jobId(t.job), kind: 'job', label: t.job });
        edge({ from: jobId(t.job), to: jobId(d.job), kind: t.on, label: t.event });
      } else {
        node({ id: eventId(t.event), kind: 'event', label: t.event });
        edge({ from: eventId(t.event), to: jobId(d.job), kind: t.on });
      }
    }
    for (const e of d.emits) {
      node({ id: eventId(e), kind: 'event', label: e });
      edge({ from: jobId(d.job), to: eventId(e), kind: 'emits' });
    }
  }
  return { nodes: [...nodes.values()], edges };
}

const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const STYLE = { start: 'color="#2e7d32"', stop: 'color="#c62828", style=dashed', emits: 'color="#1565c0", style=dotted' } as const;

/** DOT text: jobs as boxes, events as diamonds; start on green, stop on red dashed, emits blue dotted. */
export function toDot(g: JobGraph): string {
  const lines = ['digraph upstart {', '  rankdir=LR;', '  node [fontname="sans-serif", fontsize=10];', '  edge [fontname="sans-serif", fontsize=9];'];
  for (const n of g.nodes) lines.push(`  ${q(n.id)} [label=${q(n.label)}, shape=${n.kind === 'job' ? 'box' : 'diamond'}];`);
  for (const e of g.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [${STYLE[e.kind]}${e.label !== undefined ? `, label=${q(e.label)}` : ''}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export const graphCommands: Record<string, CommandSpec> = {
  graph: command({
    summary: 'Show what starts and stops what as a GraphViz graph (dot -Tsvg draws it); --json for nodes and edges.',
    usage: '[--restrict-to-jobs=JOB,...]',
    options: [{ key: 'restrict', long: 'restrict-to-jobs', short: 'r', takesArg: true, repeat: true }],
    requests: ['graph'],
    parse: (inv) => {
      const r = inv.opts.restrict;
      return typeof r === 'string' ? { type: 'graph', only: r.split(',').filter((x) => x !== '') } : { type: 'graph' };
    },
    format: (g, inv) => (inv.json ? json(g) : toDot(g)),
  }),
};
