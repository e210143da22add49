// initctl action JOB ACTION [KEY=VALUE]... (and `initctl ACTION JOB`): runs a job's custom action and exits with its status.
import { EngineError, type EngineApi } from '../../model/engineApi.ts';
import type { ActionResult } from '../../model/actions.ts';
import { instanceLabel } from '../../model/instanceRef.ts';
import { UsageError } from './argv.ts';
import { guard, outJson, type CommandContext, type CommandSpec, type Invocation } from './context.ts';

async function runAction(ctx: CommandContext, inv: Invocation, job: string, action: string, env: string[]): Promise<number> {
  if (ctx.hooks.actions === undefined) throw new EngineError('invalid', 'this init does not run custom actions');
  const r: ActionResult = await ctx.hooks.actions.run({ job, action, env, wait: inv.wait });
  if (inv.json) outJson(ctx, inv, r);
  if (r.signal !== undefined) {
    ctx.write('stderr', `${inv.program}: action ${action} of ${instanceLabel(r.job, r.instance)} was killed by ${r.signal} signal\n`);
  }
  return r.exitStatus;
}

export const actionCommands: Record<string, CommandSpec> = {
  action: {
    summary: "Run a job's custom action (its 'action NAME' stanza) while it runs; exit with the action's status.",
    usage: 'JOB ACTION [KEY=VALUE]...',
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, () => {
      // Inside a job, `initctl action ACTION` acts on the caller's own instance.
      if (inv.args.length === 1 && ctx.env.UPSTART_JOB !== undefined && ctx.env.UPSTART_JOB !== '') {
        return runAction(ctx, inv, ctx.env.UPSTART_JOB, inv.args[0] as string, selfEnv(ctx));
      }
      const [job, action, ...env] = inv.args;
      if (job === undefined) throw new UsageError('missing job name');
      if (action === undefined) throw new UsageError('missing action name');
      return runAction(ctx, inv, job, action, env);
    }),
  },
};

/** KEY=VALUE pairs that select the caller's own instance (`instance $VAR` jobs), from its environment. */
function selfEnv(ctx: CommandContext): string[] {
  const job = ctx.env.UPSTART_JOB as string;
  const instance = ctx.env.UPSTART_INSTANCE ?? '';
  if (instance === '') return [];
  const one = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$/.exec(ctx.engine.getClass(job)?.instance ?? '');
  if (one) return [`${one[1] ?? one[2]}=${instance}`];
  throw new EngineError('invalid', `Cannot select instance ${instance} of ${job} without its KEY=VALUE pairs; name them: initctl action ${job} ACTION KEY=VALUE...`);
}

/**
 * `initctl ACTION JOB [KEY=VALUE]...`: true when ACTION (not a built-in command) is an action of
 * JOB, as loaded or as one of its instances runs it.
 */
export function isActionShorthand(engine: EngineApi, action: string, job: string | undefined): boolean {
  if (job === undefined) return false;
  if (engine.getClass(job)?.actions?.[action] !== undefined) return true;
  try {
    return engine.status(job).some((s) => engine.instanceFacts?.(job, s.instance)?.spec.actions?.[action] !== undefined);
  } catch {
    return false; // no such job
  }
}
