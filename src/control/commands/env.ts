// list-env, get-env, set-env, unset-env and reset-env: the global job environment table, or the calling job's own.
import type { OptionSpec } from './argv.ts';
import { UsageError } from './argv.ts';
import { command, json, needArgs, type ClientEnv, type CommandSpec, type Invocation } from './context.ts';

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
function scopeOf(inv: Invocation, env: ClientEnv): { job?: string; instance?: string } {
  const job = env.UPSTART_JOB;
  if (inv.opts.global === true || job === undefined || job === '') return {};
  return { job, instance: env.UPSTART_INSTANCE ?? '' };
}

export const envCommands: Record<string, CommandSpec> = {
  'list-env': command({
    summary: 'Show all job environment variables in sorted order.',
    usage: '',
    options: [GLOBAL],
    requests: ['list-env'],
    parse: (inv, env) => {
      needArgs(inv, 0, 0, '');
      return { type: 'list-env', ...scopeOf(inv, env) };
    },
    format: (vars, inv) => (inv.json ? json(vars) : Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join('')),
  }),
  'get-env': command({
    summary: 'Retrieve value of a job environment variable.',
    usage: 'VARIABLE',
    options: [GLOBAL],
    requests: ['get-env'],
    parse: (inv, env) => {
      needArgs(inv, 1, 1, 'missing variable name');
      return { type: 'get-env', name: inv.args[0] as string, ...scopeOf(inv, env) };
    },
    format: (value, inv, r) => (inv.json ? json({ name: r.name, value }) : `${value}\n`),
  }),
  'set-env': command({
    summary: 'Set one or more job environment variables.',
    usage: 'VARIABLE[=VALUE]...',
    options: [GLOBAL, RETAIN],
    requests: ['set-env'],
    parse: (inv, env) => {
      needArgs(inv, 1, Infinity, 'missing variable name');
      const pairs = inv.args.map((a) => {
        const eq = a.indexOf('=');
        const pair: [string, string] = eq === -1 ? [a, ''] : [a.slice(0, eq), a.slice(eq + 1)];
        checkName(pair[0]);
        return pair;
      });
      const [[name, value], ...more] = pairs as [[string, string], ...Array<[string, string]>];
      return { type: 'set-env', name, value, retain: inv.opts.retain === true, ...(more.length > 0 ? { more } : {}), ...scopeOf(inv, env) };
    },
  }),
  'unset-env': command({
    summary: 'Remove one or more job environment variables.',
    usage: 'VARIABLE...',
    options: [GLOBAL, RETAIN],
    requests: ['unset-env'],
    parse: (inv, env) => {
      needArgs(inv, 1, Infinity, 'missing variable name');
      inv.args.forEach(checkName);
      const [name, ...more] = inv.args as [string, ...string[]];
      // initctl(8): with --retain a variable that is set is left alone.
      return { type: 'unset-env', name, retain: inv.opts.retain === true, ...(more.length > 0 ? { more } : {}), ...scopeOf(inv, env) };
    },
  }),
  'reset-env': command({
    summary: 'Revert all job environment variables to their initial values.',
    usage: '',
    options: [GLOBAL],
    requests: ['reset-env'],
    parse: (inv, env) => {
      needArgs(inv, 0, 0, '');
      return { type: 'reset-env', ...scopeOf(inv, env) };
    },
  }),
};
