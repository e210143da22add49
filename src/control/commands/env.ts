// list-env, get-env, set-env, unset-env and reset-env: the global job environment table, or the calling job's own.
import { EngineError, type EnvScope } from '../../model/engineApi.ts';
import type { OptionSpec } from './argv.ts';
import { UsageError } from './argv.ts';
import { guard, needArgs, out, outJson, type CommandContext, type CommandSpec, type Invocation } from './context.ts';

const GLOBAL: OptionSpec = { key: 'global', long: 'global', short: 'g' };
const RETAIN: OptionSpec = { key: 'retain', long: 'retain', short: 'r' };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new UsageError(`invalid variable name: ${name}`);
}

/**
 * initctl(8): run from within a job (UPSTART_JOB in the caller's environment) a command acts on
 * that job's own table; --global, or no job, means the global table.
 */
function scopeOf(ctx: CommandContext, inv: Invocation): EnvScope {
  const job = ctx.env.UPSTART_JOB;
  if (inv.opts.global === true || job === undefined || job === '') return { kind: 'global' };
  return { kind: 'instance', job, instance: ctx.env.UPSTART_INSTANCE ?? '' };
}

export const envCommands: Record<string, CommandSpec> = {
  'list-env': {
    summary: 'Show all job environment variables in sorted order.',
    usage: '',
    options: [GLOBAL],
    mutates: false,
    private: true,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 0, 0, '');
      const entries = ctx.engine.envList(scopeOf(ctx, inv));
      if (inv.json) outJson(ctx, inv, Object.fromEntries(entries));
      else out(ctx, inv, entries.map(([k, v]) => `${k}=${v}\n`).join(''));
      return 0;
    }),
  },
  'get-env': {
    summary: 'Retrieve value of a job environment variable.',
    usage: 'VARIABLE',
    options: [GLOBAL],
    mutates: false,
    private: true,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 1, 1, 'missing variable name');
      const name = inv.args[0] as string;
      const value = ctx.engine.envList(scopeOf(ctx, inv)).find(([k]) => k === name)?.[1];
      if (value === undefined) throw new EngineError('invalid', `No such variable: ${name}`);
      if (inv.json) outJson(ctx, inv, { name, value });
      else out(ctx, inv, `${value}\n`);
      return 0;
    }),
  },
  'set-env': {
    summary: 'Set one or more job environment variables.',
    usage: 'VARIABLE[=VALUE]...',
    options: [GLOBAL, RETAIN],
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 1, Infinity, 'missing variable name');
      const pairs = inv.args.map((a) => {
        const eq = a.indexOf('=');
        const pair: [string, string] = eq === -1 ? [a, ''] : [a.slice(0, eq), a.slice(eq + 1)];
        checkName(pair[0]);
        return pair;
      });
      ctx.engine.envSet(scopeOf(ctx, inv), pairs, inv.opts.retain === true);
      return 0;
    }),
  },
  'unset-env': {
    summary: 'Remove one or more job environment variables.',
    usage: 'VARIABLE...',
    options: [GLOBAL, RETAIN],
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 1, Infinity, 'missing variable name');
      inv.args.forEach(checkName);
      // initctl(8): with --retain a variable that is set is left alone.
      ctx.engine.envUnset(scopeOf(ctx, inv), inv.args, inv.opts.retain === true);
      return 0;
    }),
  },
  'reset-env': {
    summary: 'Revert all job environment variables to their initial values.',
    usage: '',
    options: [GLOBAL],
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 0, 0, '');
      ctx.engine.envReset(scopeOf(ctx, inv), ctx.hooks.defaultJobEnv());
      return 0;
    }),
  },
};
