// initctl graph: what starts and stops what, as GraphViz DOT (like initctl2dot(8)) or JSON nodes and edges.
import type { Condition } from '../../model/condition.ts';
import { isJobEvent } from '../../model/condition.ts';
import type { JobClassSpec } from '../../model/jobClass.ts';
import { splitJobArg } from '../../config/conditionText.ts';
import { guard, out, outJson, type CommandSpec } from './context.ts';

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

function leaves(c: Condition | undefined, out: Array<Extract<Condition, { kind: 'event' }>> = []): Array<Extract<Condition, { kind: 'event' }>> {
  if (c === undefined) return out;
  if (c.kind === 'event') out.push(c);
  else {
    leaves(c.left, out);
    leaves(c.right, out);
  }
  return out;
}

/**
 * Nodes are jobs and plain events; `started foo` in a's `start on` is an edge foo → a labelled
 * `started`. With `only`, just those jobs' conditions and emits are drawn (initctl2dot's
 * --restrict-to-jobs), with whatever they reach.
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
  for (const spec of [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (only !== undefined && !only.has(spec.name)) continue;
    node({ id: jobId(spec.name), kind: 'job', label: spec.name });
    for (const [kind, cond] of [['start', spec.manual ? undefined : spec.start], ['stop', spec.stop]] as const) {
      for (const leaf of leaves(cond)) {
        const job = isJobEvent(leaf.name) ? splitJobArg(leaf).job : undefined;
        if (job !== undefined && !job.includes('$') && !/[*?[]/.test(job)) {
          node({ id: jobId(job), kind: 'job', label: job });
          edge({ from: jobId(job), to: jobId(spec.name), kind, label: leaf.name });
        } else {
          node({ id: eventId(leaf.name), kind: 'event', label: leaf.name });
          edge({ from: eventId(leaf.name), to: jobId(spec.name), kind });
        }
      }
    }
    for (const e of spec.emits) {
      node({ id: eventId(e), kind: 'event', label: e });
      edge({ from: jobId(spec.name), to: eventId(e), kind: 'emits' });
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
  graph: {
    summary: 'Show what starts and stops what as a GraphViz graph (dot -Tsvg draws it); --json for nodes and edges.',
    usage: '[--restrict-to-jobs=JOB,...]',
    options: [{ key: 'restrict', long: 'restrict-to-jobs', short: 'r', takesArg: true, repeat: true }],
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, () => {
      const r = inv.opts.restrict;
      const only = typeof r === 'string' ? new Set(r.split(',').filter((x) => x !== '')) : undefined;
      const g = jobGraph(ctx.engine.classes(), only);
      if (inv.json) outJson(ctx, inv, g);
      else out(ctx, inv, toDot(g));
      return 0;
    }),
  },
};
