// start, stop, restart, reload, status, list and usage: the commands about jobs and their instances.
import { EngineError, type EngineApi, type InstanceStatus } from '../../model/engineApi.ts';
import { UsageError } from './argv.ts';
import { guard, out, outJson, type CommandContext, type CommandSpec, type Invocation } from './context.ts';
import { formatStatus, waitingStatus } from './statusText.ts';
import { actionNames } from '../../model/actions.ts';
import { driftMark, driftOf } from './drift.ts';

/** The job (and instance) a command acts on: named on the command line, or the caller's own job. */
interface Target {
  job: string;
  env: string[];
  /** Set when the target came from UPSTART_JOB / UPSTART_INSTANCE (a job acting on itself). */
  self?: { instance: string };
}

function target(ctx: CommandContext, inv: Invocation): Target {
  if (inv.args.length > 0) return { job: inv.args[0] as string, env: inv.args.slice(1) };
  const job = ctx.env.UPSTART_JOB;
  if (job === undefined || job === '') throw new UsageError('missing job name');
  return { job, env: [], self: { instance: ctx.env.UPSTART_INSTANCE ?? '' } };
}

/**
 * KEY=VALUE pairs that make the engine select a given instance of a job. Exact for instance
 * stanzas that are one variable (`instance $TTY`, the usual form) or constant text.
 */
function envSelecting(engine: EngineApi, job: string, instance: string): string[] {
  if (instance === '') return [];
  const spec = engine.getClass(job);
  if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${job}`);
  const template = spec.instance ?? '';
  const one = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$/.exec(template);
  if (one) return [`${one[1] ?? one[2]}=${instance}`];
  if (!template.includes('$') && template === instance) return [];
  throw new EngineError('invalid', `Cannot select instance ${instance} of ${job} without its KEY=VALUE pairs; name them: ${job} KEY=VALUE...`);
}

/** status --json: the actions the instance's definition offers and those running now (ours; absent without any). */
function actionFacts(ctx: CommandContext, job: string, instance: string): { actions?: string[]; runningActions?: Array<{ action: string; pid: number }> } {
  const spec = ctx.engine.instanceFacts?.(job, instance)?.spec ?? ctx.engine.getClass(job);
  const names = spec === undefined ? [] : actionNames(spec);
  const running = ctx.hooks.actions?.running(job, instance) ?? [];
  return { ...(names.length > 0 ? { actions: names } : {}), ...(running.length > 0 ? { runningActions: running } : {}) };
}

function printStatuses(ctx: CommandContext, inv: Invocation, list: InstanceStatus[], marks = false): void {
  if (inv.json) outJson(ctx, inv, list);
  else out(ctx, inv, list.map((s) => formatStatus(s, marks ? driftMark(driftOf(ctx.engine, s.job, s.instance)) : '')).join(''));
}

type Change = 'start' | 'stop' | 'restart';

function changeGoal(which: Change): CommandSpec['run'] {
  return (ctx, inv) => guard(ctx, inv, async () => {
    const t = target(ctx, inv);
    let env = t.env;
    // A job acting on itself must not wait: its own process is what the change waits for.
    let wait = inv.wait;
    if (t.self) {
      env = envSelecting(ctx.engine, t.job, t.self.instance);
      wait = false;
    }
    const s = await ctx.engine[which](t.job, env, wait);
    printStatuses(ctx, inv, [s]);
    return 0;
  });
}

const JOB_ENV_USAGE = 'JOB [KEY=VALUE]...';

export const jobCommands: Record<string, CommandSpec> = {
  start: {
    summary: 'Start job.',
    usage: JOB_ENV_USAGE,
    mutates: true,
    run: changeGoal('start'),
  },
  stop: {
    summary: 'Stop job.',
    usage: JOB_ENV_USAGE,
    mutates: true,
    run: changeGoal('stop'),
  },
  restart: {
    summary: 'Restart job.',
    usage: JOB_ENV_USAGE,
    mutates: true,
    run: changeGoal('restart'),
  },
  reload: {
    summary: 'Send HUP signal to job.',
    usage: JOB_ENV_USAGE,
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, () => {
      const t = target(ctx, inv);
      const env = t.self ? envSelecting(ctx.engine, t.job, t.self.instance) : t.env;
      ctx.engine.reload(t.job, env);
      return 0;
    }),
  },
  status: {
    summary: 'Query status of job.',
    usage: JOB_ENV_USAGE,
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, async () => {
      const t = target(ctx, inv);
      // A SysV init script upstart-rc ran (docs/sysv.md): answered from its status action.
      if (!t.self && t.env.length === 0 && ctx.engine.getClass(t.job) === undefined && ctx.hooks.sysv !== undefined) {
        const answer = await ctx.hooks.sysv.status(t.job, ctx.denial === undefined);
        if (answer !== undefined) {
          if (inv.json) outJson(ctx, inv, [{ ...answer.status, sysv: { statusExit: answer.statusExit ?? null, statusOutput: answer.statusOutput ?? '' } }]);
          else printStatuses(ctx, inv, [answer.status]);
          return 0;
        }
      }
      let list: InstanceStatus[];
      if (t.self) {
        list = ctx.engine.status(t.job, t.self.instance);
      } else if (t.env.length > 0) {
        const name = ctx.engine.instanceOf(t.job, t.env);
        list = ctx.engine.status(t.job, name);
        if (list.length === 0 && name !== '') throw new EngineError('unknown-instance', `Unknown instance: ${t.job} (${name})`);
      } else {
        list = ctx.engine.status(t.job);
      }
      const shown = list.length > 0 ? list : [waitingStatus(t.job)];
      // A job with no instance left says why its last one failed (a readiness timeout, say), if it did.
      const failure = list.length === 0 ? ctx.engine.lastFailure?.(t.job) : undefined;
      if (inv.json) {
        // Each instance's output counters (console log, as JobLogger keeps them) and its cgroup, when there are.
        outJson(ctx, inv, shown.map((s) => {
          const cgroup = ctx.hooks.cgroupStats?.(s.job, s.instance);
          const drift = driftOf(ctx.engine, s.job, s.instance);
          const notifyStatus = ctx.hooks.notifyStatus?.(s.job, s.instance);
          const readiness = ctx.hooks.readiness?.(s.job, s.instance);
          return {
            ...s,
            ...actionFacts(ctx, s.job, s.instance),
            ...(ctx.hooks.outputStats ? { output: ctx.hooks.outputStats(s.job, s.instance) } : {}),
            ...(cgroup ? { cgroup } : {}),
            ...(notifyStatus !== undefined ? { notifyStatus } : {}),
            ...(readiness !== undefined ? { readiness } : {}),
            ...(failure !== undefined ? { lastFailure: failure } : {}),
            ...(drift !== undefined ? { drift } : {}),
          };
        }));
      } else {
        printStatuses(ctx, inv, shown, true);
        if (failure !== undefined) out(ctx, inv, `\tlast start failed: ${failure}\n`);
        // A watchdog that fired says so under the instance's Upstart line (the reason its main was restarted).
        for (const s of shown) {
          const last = ctx.hooks.readiness?.(s.job, s.instance)?.watchdog?.last;
          if (last !== undefined) out(ctx, inv, `\t${s.instance !== '' ? `(${s.instance}) ` : ''}${last.reason} at ${new Date(last.at).toISOString()}\n`);
        }
      }
      return 0;
    }),
  },
  list: {
    summary: 'List known jobs.',
    usage: '',
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, () => {
      if (inv.args.length > 0) throw new UsageError('unexpected argument');
      const names = ctx.engine.classes().map((c) => c.name).sort();
      const all: InstanceStatus[] = [];
      for (const name of names) {
        let list: InstanceStatus[];
        try {
          list = ctx.engine.status(name);
        } catch (err) {
          // A class removed between classes() and status() is simply gone.
          if (err instanceof EngineError && err.code === 'unknown-job') continue;
          throw err;
        }
        all.push(...(list.length > 0 ? list : [waitingStatus(name)]));
      }
      // SysV init scripts as `NAME (sysv) GOAL/STATE` among the jobs, by name (docs/sysv.md).
      for (const s of ctx.hooks.sysv?.list() ?? []) {
        if (ctx.engine.getClass(s.name) !== undefined) continue;
        all.push({ job: s.name, instance: 'sysv', goal: s.goal, state: s.state, processes: [] });
      }
      all.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
      if (inv.json) outJson(ctx, inv, all.map((s) => { const drift = driftOf(ctx.engine, s.job, s.instance); return drift === undefined ? s : { ...s, drift }; }));
      else printStatuses(ctx, inv, all, true);
      return 0;
    }),
  },
  usage: {
    summary: 'Show job usage message if available.',
    usage: 'JOB',
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, () => {
      const t = target(ctx, inv);
      const spec = ctx.engine.getClass(t.job);
      if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${t.job}`);
      if (inv.json) outJson(ctx, inv, { job: spec.name, usage: spec.usage ?? '' });
      else out(ctx, inv, `Usage: ${spec.usage ?? ''}\n`);
      return 0;
    }),
  },
};
