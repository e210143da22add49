// show-config [-e] and check-config [-i EVENTS] [-w]: static facts about the loaded job classes.
import type { ConfigSummary } from '../protocol.ts';
import { command, json, needArgs, type CommandSpec } from './context.ts';
import { formatProblems } from './reachability.ts';

/** show-config's text for one class; with enumerate, one line per event operand. */
export function formatShowConfig(s: ConfigSummary, enumerate: boolean): string {
  let text = `${s.name}\n`;
  for (const e of s.emits) text += `  emits ${e}\n`;
  if (enumerate) {
    for (const line of [...(s.startOperands ?? []), ...(s.stopOperands ?? [])]) text += `  ${line}\n`;
  } else {
    if (s.start !== undefined) text += `  start on ${s.start}\n`;
    if (s.stop !== undefined) text += `  stop on ${s.stop}\n`;
  }
  // Ours: nothing for a job without actions, so Upstart's output stays as it was.
  for (const a of s.actions ?? []) text += `  action ${a}\n`;
  return text;
}

/** The JSON form leaves the operands out, as it always has. */
function withoutOperands({ startOperands: _a, stopOperands: _b, ...s }: ConfigSummary): ConfigSummary {
  return s;
}

export const configCommands: Record<string, CommandSpec> = {
  'show-config': command({
    summary: 'Show emits, start on and stop on details for job configurations.',
    usage: '[CONF]',
    options: [{ key: 'enumerate', long: 'enumerate', short: 'e' }],
    requests: ['show-config'],
    parse: (inv) => {
      needArgs(inv, 0, 1, '');
      const job = inv.args[0];
      const enumerate = inv.opts.enumerate === true && !inv.json;
      return { type: 'show-config', ...(job !== undefined ? { job } : {}), ...(enumerate ? { enumerate } : {}) };
    },
    format: (list, inv) => (inv.json ? json(list.map(withoutOperands)) : list.map((s) => formatShowConfig(s, inv.opts.enumerate === true)).join('')),
  }),
  'check-config': command({
    summary: 'Check for unreachable jobs/event conditions.',
    usage: '[CONF]',
    options: [
      { key: 'ignoreEvents', long: 'ignore-events', short: 'i', takesArg: true, repeat: true },
      { key: 'warn', long: 'warn', short: 'w' },
    ],
    requests: ['check-config'],
    parse: (inv) => {
      needArgs(inv, 0, 1, '');
      const job = inv.args[0];
      const ignoreEvents = typeof inv.opts.ignoreEvents === 'string' ? inv.opts.ignoreEvents.split(',').filter((e) => e !== '') : [];
      return { type: 'check-config', ...(job !== undefined ? { job } : {}), ignoreEvents, warn: inv.opts.warn === true };
    },
    format: (problems, inv) => (inv.json ? json(problems) : formatProblems(problems)),
    status: (problems) => (problems.length > 0 ? 1 : 0),
  }),
};
