// emit, notify-ready, events [--follow] and why: the commands about events and what they did.
import { EngineError, type JournalEntry, type LeafReport, type WhyReport } from '../../model/engineApi.ts';
import { instanceLabel } from '../../model/instanceRef.ts';
import { UsageError } from './argv.ts';
import { guard, needArgs, out, outJson, type CommandSpec } from './context.ts';
import { DRY_RUN_OPTION, formatEmitDryRun } from './dryRun.ts';

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
  emit: {
    summary: 'Emit an event (--dry-run: say what it would start and stop, changing nothing).',
    usage: 'EVENT [KEY=VALUE]...',
    options: [DRY_RUN_OPTION],
    // A dry run changes nothing, but shows what the jobs' conditions and environments would do: the owner's only.
    mutates: (inv) => inv.opts.dryRun !== true,
    private: true,
    run: (ctx, inv) => guard(ctx, inv, async () => {
      const [name, ...env] = inv.args;
      if (name === undefined) throw new UsageError('missing event name');
      if (name === '' || name.includes('=')) throw new UsageError(`invalid event name: ${name}`);
      if (inv.opts.dryRun === true) {
        if (ctx.hooks.dryRun === undefined) throw new EngineError('invalid', 'this init cannot simulate events');
        const r = ctx.hooks.dryRun.emit(name, env);
        if (inv.json) outJson(ctx, inv, r);
        else out(ctx, inv, formatEmitDryRun(r));
        return 0;
      }
      await ctx.engine.emit(name, env, inv.wait);
      return 0;
    }),
  },
  'notify-ready': {
    summary: 'Say that a job is ready: emit ready JOB=... INSTANCE=... (the calling job without arguments) and return.',
    usage: '[JOB [INSTANCE]]',
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, async () => {
      needArgs(inv, 0, 2, '');
      const job = inv.args[0] ?? ctx.env.UPSTART_JOB;
      if (job === undefined || job === '') throw new UsageError('missing job name');
      const instance = inv.args.length > 0 ? (inv.args[1] ?? '') : (ctx.env.UPSTART_INSTANCE ?? '');
      if (ctx.engine.getClass(job) === undefined) throw new EngineError('unknown-job', `Unknown job: ${job}`);
      // Never waits for what the event starts: the job saying it is ready must not be held up by its dependants.
      await ctx.engine.emit('ready', [`JOB=${job}`, `INSTANCE=${instance}`], false);
      return 0;
    }),
  },
  events: {
    summary: 'Show the event journal (with --follow, keep showing new entries).',
    usage: '[--follow]',
    options: [{ key: 'follow', long: 'follow', short: 'f' }],
    mutates: false,
    private: true,
    run: (ctx, inv) => guard(ctx, inv, async () => {
      needArgs(inv, 0, 0, '');
      const show = (e: JournalEntry): void => {
        if (inv.json) out(ctx, inv, `${JSON.stringify(e)}\n`);
        else out(ctx, inv, formatJournalEntry(e));
      };
      // journal() and subscribe() in one tick: nothing falls between them.
      const past = ctx.hooks.journal();
      if (inv.opts.follow !== true) {
        past.forEach(show);
        return 0;
      }
      if (ctx.signal.aborted) return 0;
      const unsubscribe = ctx.engine.subscribe(show);
      past.forEach(show);
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      unsubscribe();
      return 0;
    }),
  },
  why: {
    summary: 'Show why a job would (not) start or stop: each condition leaf and what last changed it.',
    usage: 'JOB',
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 1, 1, 'missing job name');
      const report = ctx.engine.why(inv.args[0] as string);
      if (inv.json) outJson(ctx, inv, report);
      else out(ctx, inv, formatWhy(report));
      return 0;
    }),
  },
};
