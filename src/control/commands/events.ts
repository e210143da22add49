// emit, notify-ready, events [--follow] and why: the commands about events and what they did.
import type { JournalEntry, LeafReport, WhyReport } from '../../model/engineApi.ts';
import { instanceLabel } from '../../model/instanceRef.ts';
import { UsageError } from './argv.ts';
import { command, json, needArgs, type CommandSpec, type Invocation } from './context.ts';
import { DRY_RUN_OPTION, formatEmitDryRun } from './dryRun.ts';

/** One journal entry as `events` prints it: one JSON line with --json, else its text line. */
function showEntry(e: JournalEntry, inv: Invocation): string {
  return inv.json ? `${JSON.stringify(e)}\n` : formatJournalEntry(e);
}

/** One journal entry as one line: seconds since the daemon started, the kind, the facts. */
export function formatJournalEntry(e: JournalEntry): string {
  const t = (e.t / 1000).toFixed(3);
  switch (e.kind) {
    case 'event':
      return `${t} event ${[e.name, ...e.env].join(' ')}\n`;
    case 'state':
      return `${t} state ${instanceLabel(e.job, e.instance)} ${e.goal}/${e.state}\n`;
    case 'spawn':
      return `${t} spawn ${instanceLabel(e.job, e.instance)} ${e.process} process ${e.pid}\n`;
    case 'exit': {
      const how = e.signal !== undefined ? `killed by ${e.signal}` : `status ${e.status ?? 0}`;
      return `${t} exit ${instanceLabel(e.job, e.instance)} ${e.process} process ${e.pid} ${how}\n`;
    }
    case 'spawn-failed':
      return `${t} spawn-failed ${instanceLabel(e.job, e.instance)} ${e.process} process: ${e.message}\n`;
  }
}

function formatLeaves(leaves: LeafReport[]): string {
  return leaves
    .map((l) => `    ${l.text}: ${l.value}${l.changedBy !== undefined ? ` (${l.changedBy})` : ''}\n`)
    .join('');
}

/** `why JOB`: each side of the job's conditions, its value, and every leaf with what last changed it. */
export function formatWhy(r: WhyReport): string {
  let text = `${r.job}\n`;
  if (r.start) text += `  start on: ${r.start.value}\n${formatLeaves(r.start.leaves)}`;
  if (r.stop) text += `  stop on: ${r.stop.value}\n${formatLeaves(r.stop.leaves)}`;
  return text;
}

export const eventCommands: Record<string, CommandSpec> = {
  emit: command<'emit' | 'emit-dry-run'>({
    summary: 'Emit an event (--dry-run: say what it would start and stop, changing nothing).',
    usage: 'EVENT [KEY=VALUE]...',
    options: [DRY_RUN_OPTION],
    requests: ['emit', 'emit-dry-run'],
    parse: (inv) => {
      const [name, ...env] = inv.args;
      if (name === undefined) throw new UsageError('missing event name');
      if (name === '' || name.includes('=')) throw new UsageError(`invalid event name: ${name}`);
      if (inv.opts.dryRun === true) return { type: 'emit-dry-run', name, env };
      return { type: 'emit', name, env, wait: inv.wait };
    },
    format: (r, inv) => (r === null ? '' : inv.json ? json(r) : formatEmitDryRun(r)),
  }),
  'notify-ready': command({
    summary: 'Say that a job is ready: emit ready JOB=... INSTANCE=... (the calling job without arguments) and return.',
    usage: '[JOB [INSTANCE]]',
    requests: ['notify-ready'],
    parse: (inv, env) => {
      needArgs(inv, 0, 2, '');
      const job = inv.args[0] ?? env.UPSTART_JOB;
      if (job === undefined || job === '') throw new UsageError('missing job name');
      const instance = inv.args.length > 0 ? (inv.args[1] ?? '') : (env.UPSTART_INSTANCE ?? '');
      return { type: 'notify-ready', job, instance };
    },
  }),
  events: command({
    summary: 'Show the event journal (with --follow, keep showing new entries).',
    usage: '[--follow]',
    options: [{ key: 'follow', long: 'follow', short: 'f' }],
    requests: ['journal'],
    parse: (inv) => {
      needArgs(inv, 0, 0, '');
      return inv.opts.follow === true ? { type: 'journal', follow: true } : { type: 'journal' };
    },
    item: showEntry,
    format: (entries, inv) => entries.map((e) => showEntry(e, inv)).join(''),
  }),
  why: command({
    summary: 'Show why a job would (not) start or stop: each condition leaf and what last changed it.',
    usage: 'JOB',
    requests: ['why'],
    parse: (inv) => {
      needArgs(inv, 1, 1, 'missing job name');
      return { type: 'why', job: inv.args[0] as string };
    },
    format: (report, inv) => (inv.json ? json(report) : formatWhy(report)),
  }),
};
