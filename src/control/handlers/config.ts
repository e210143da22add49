// Answers the requests about the loaded job classes: show-config, check-config, graph, plot, reload-configuration.
import { EngineError, type EngineApi } from '../../model/engineApi.ts';
import type { JobClassSpec } from '../../model/jobClass.ts';
import { actionNames } from '../../model/actions.ts';
import { formatCondition, formatOperands } from '../../config/conditionText.ts';
import { jobGraph } from '../commands/graph.ts';
import { plotOf } from '../commands/plot.ts';
import { checkConfig } from '../commands/reachability.ts';
import type { ConfigRequest, ConfigSummary } from '../protocol.ts';
import { untilAborted, type HandlerTable } from './context.ts';

function byName(a: JobClassSpec, b: JobClassSpec): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The classes a request names (one, or all when none is given), sorted by name. */
function selected(engine: EngineApi, name: string | undefined): JobClassSpec[] {
  if (name === undefined) return engine.classes().slice().sort(byName);
  const spec = engine.getClass(name);
  if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${name}`);
  return [spec];
}

/** show-config's facts for one class; with enumerate, its operands too (show-config -e). */
export function summarise(spec: JobClassSpec, enumerate = false): ConfigSummary {
  const s: ConfigSummary = { name: spec.name, emits: [...spec.emits] };
  const start = spec.manual ? undefined : spec.start;
  if (start !== undefined) s.start = formatCondition(start);
  if (spec.stop !== undefined) s.stop = formatCondition(spec.stop);
  if (enumerate) {
    if (start !== undefined) s.startOperands = formatOperands(start, 'start on');
    if (spec.stop !== undefined) s.stopOperands = formatOperands(spec.stop, 'stop on');
  }
  const actions = actionNames(spec);
  if (actions.length > 0) s.actions = actions;
  return s;
}

export const configHandlers: HandlerTable<ConfigRequest['type']> = {
  'show-config': (r, ctx) => selected(ctx.engine, r.job).map((s) => summarise(s, r.enumerate === true)),
  'watch-config': async (_r, ctx) => {
    const stream = ctx.streamConfig;
    if (stream === undefined) throw new EngineError('invalid', 'watch-config streams: it needs a control connection');
    if (ctx.signal.aborted) return null;
    const send = (): void => stream(selected(ctx.engine, undefined).map((s) => summarise(s)));
    const off = ctx.hooks.watchClasses?.(send);
    send();
    await untilAborted(ctx.signal);
    off?.();
    return null;
  },
  'check-config': (r, ctx) => checkConfig(ctx.engine.classes(), selected(ctx.engine, r.job), { ignoreEvents: r.ignoreEvents, warn: r.warn }),
  graph: (r, ctx) => jobGraph(ctx.engine.classes(), r.only === undefined ? undefined : new Set(r.only)),
  plot: (r, ctx) => plotOf(ctx.hooks.journal(), r.since, r.until),
  'reload-configuration': async (_r, ctx) => {
    await ctx.hooks.reloadConfiguration();
    return null;
  },
  'reload-dry-run': async (r, ctx) => {
    if (ctx.hooks.dryRun === undefined) throw new EngineError('invalid', 'this init cannot plan a reload');
    return await ctx.hooks.dryRun.reload(r.from);
  },
};
