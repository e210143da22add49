// show-config [-e] and check-config [-i EVENTS] [-w]: static facts about the loaded job classes.
import { EngineError } from '../../model/engineApi.ts';
import type { JobClassSpec } from '../../model/jobClass.ts';
import { actionNames } from '../../model/actions.ts';
import { formatCondition, formatOperands } from '../../config/conditionText.ts';
import type { ConfigSummary } from '../protocol.ts';
import { guard, needArgs, out, outJson, type CommandContext, type CommandSpec, type Invocation } from './context.ts';
import { checkConfig, formatProblems } from './reachability.ts';

function byName(a: JobClassSpec, b: JobClassSpec): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The classes a command names (one CONF, or all when none is given), sorted by name. */
function selected(ctx: CommandContext, inv: Invocation): JobClassSpec[] {
  needArgs(inv, 0, 1, '');
  const name = inv.args[0];
  if (name === undefined) return ctx.engine.classes().slice().sort(byName);
  const spec = ctx.engine.getClass(name);
  if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${name}`);
  return [spec];
}

/** show-config's facts for one class (the JSON form, and the source of the text form). */
export function summarise(spec: JobClassSpec): ConfigSummary {
  const s: ConfigSummary = { name: spec.name, emits: [...spec.emits] };
  if (spec.start !== undefined && !spec.manual) s.start = formatCondition(spec.start);
  if (spec.stop !== undefined) s.stop = formatCondition(spec.stop);
  const actions = actionNames(spec);
  if (actions.length > 0) s.actions = actions;
  return s;
}

/** show-config's text for one class; with enumerate, one line per event operand. */
export function formatShowConfig(spec: JobClassSpec, enumerate: boolean): string {
  let text = `${spec.name}\n`;
  for (const e of spec.emits) text += `  emits ${e}\n`;
  const start = spec.manual ? undefined : spec.start;
  if (enumerate) {
    if (start !== undefined) for (const line of formatOperands(start, 'start on')) text += `  ${line}\n`;
    if (spec.stop !== undefined) for (const line of formatOperands(spec.stop, 'stop on')) text += `  ${line}\n`;
  } else {
    if (start !== undefined) text += `  start on ${formatCondition(start)}\n`;
    if (spec.stop !== undefined) text += `  stop on ${formatCondition(spec.stop)}\n`;
  }
  // Ours: nothing for a job without actions, so Upstart's output stays as it was.
  for (const a of actionNames(spec)) text += `  action ${a}\n`;
  return text;
}

export const configCommands: Record<string, CommandSpec> = {
  'show-config': {
    summary: 'Show emits, start on and stop on details for job configurations.',
    usage: '[CONF]',
    options: [{ key: 'enumerate', long: 'enumerate', short: 'e' }],
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, () => {
      const specs = selected(ctx, inv);
      if (inv.json) outJson(ctx, inv, specs.map(summarise));
      else out(ctx, inv, specs.map((s) => formatShowConfig(s, inv.opts.enumerate === true)).join(''));
      return 0;
    }),
  },
  'check-config': {
    summary: 'Check for unreachable jobs/event conditions.',
    usage: '[CONF]',
    options: [
      { key: 'ignoreEvents', long: 'ignore-events', short: 'i', takesArg: true, repeat: true },
      { key: 'warn', long: 'warn', short: 'w' },
    ],
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, () => {
      const only = selected(ctx, inv);
      const ignore = typeof inv.opts.ignoreEvents === 'string' ? inv.opts.ignoreEvents.split(',').filter((e) => e !== '') : [];
      const problems = checkConfig(ctx.engine.classes(), only, { ignoreEvents: ignore, warn: inv.opts.warn === true });
      if (inv.json) outJson(ctx, inv, problems);
      else out(ctx, inv, formatProblems(problems));
      return problems.length > 0 ? 1 : 0;
    }),
  },
};
