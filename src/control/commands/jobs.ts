// start, stop, restart, reload, status, list and usage: the commands about jobs and their instances.
import type { InstanceStatus } from '../../model/engineApi.ts';
import { UsageError } from './argv.ts';
import { command, json, type ClientEnv, type CommandSpec, type Invocation } from './context.ts';
import { formatStatus } from './statusText.ts';
import { driftMark } from './drift.ts';
import type { Drifting } from '../protocol.ts';

/** The job (and instance) a command acts on: named on the command line, or the caller's own job. */
interface Target {
  job: string;
  env: string[];
  /** Set when the target came from UPSTART_JOB / UPSTART_INSTANCE (a job acting on itself). */
  self?: { instance: string };
}

function target(inv: Invocation, env: ClientEnv): Target {
  if (inv.args.length > 0) return { job: inv.args[0] as string, env: inv.args.slice(1) };
  const job = env.UPSTART_JOB;
  if (job === undefined || job === '') throw new UsageError('missing job name');
  return { job, env: [], self: { instance: env.UPSTART_INSTANCE ?? '' } };
}

/** Upstart's status lines; an instance running an old definition gets its drift mark (ours). */
function statuses(list: Array<Drifting<InstanceStatus>>, inv: Invocation): string {
  return inv.json ? json(list) : list.map((s) => formatStatus(s, driftMark(s.drift))).join('');
}

/** start, stop, restart: the instance's status once the change is done (or begun, with --no-wait). */
function changeGoal(type: 'start' | 'stop' | 'restart', summary: string): CommandSpec {
  return command<'start' | 'stop' | 'restart'>({
    summary,
    usage: JOB_ENV_USAGE,
    requests: [type],
    parse: (inv, env) => {
      const t = target(inv, env);
      // A job acting on itself names its instance and must not wait: its own process is what the change waits for.
      if (t.self) return { type, job: t.job, env: [], wait: false, instance: t.self.instance };
      return { type, job: t.job, env: t.env, wait: inv.wait };
    },
    format: (s, inv) => statuses([s], inv),
  });
}

const JOB_ENV_USAGE = 'JOB [KEY=VALUE]...';

export const jobCommands: Record<string, CommandSpec> = {
  start: changeGoal('start', 'Start job.'),
  stop: changeGoal('stop', 'Stop job.'),
  restart: changeGoal('restart', 'Restart job.'),
  reload: command({
    summary: 'Send HUP signal to job.',
    usage: JOB_ENV_USAGE,
    requests: ['reload'],
    parse: (inv, env) => {
      const t = target(inv, env);
      return t.self ? { type: 'reload', job: t.job, env: [], instance: t.self.instance } : { type: 'reload', job: t.job, env: t.env };
    },
  }),
  status: command({
    summary: 'Query status of job.',
    usage: JOB_ENV_USAGE,
    requests: ['status'],
    parse: (inv, env) => {
      const t = target(inv, env);
      const detail = inv.json ? 'full' : 'summary';
      if (t.self) return { type: 'status', job: t.job, instance: t.self.instance, detail };
      return t.env.length > 0 ? { type: 'status', job: t.job, env: t.env, detail } : { type: 'status', job: t.job, detail };
    },
    format: (list, inv) => {
      if (inv.json) return json(list);
      const failure = list[0]?.lastFailure;
      // A watchdog that fired says so under the instance's Upstart line (the reason its main was restarted).
      const fired = list.map((s) => {
        const last = s.readiness?.watchdog?.last;
        return last === undefined ? '' : `\t${s.instance !== '' ? `(${s.instance}) ` : ''}${last.reason} at ${new Date(last.at).toISOString()}\n`;
      });
      return list.map((s) => formatStatus(s, driftMark(s.drift))).join('') + (failure !== undefined ? `\tlast start failed: ${failure}\n` : '') + fired.join('');
    },
  }),
  list: command({
    summary: 'List known jobs.',
    usage: '',
    requests: ['list'],
    parse: (inv) => {
      if (inv.args.length > 0) throw new UsageError('unexpected argument');
      return { type: 'list' };
    },
    format: statuses,
  }),
  usage: command({
    summary: 'Show job usage message if available.',
    usage: 'JOB',
    requests: ['usage'],
    parse: (inv, env) => ({ type: 'usage', job: target(inv, env).job }),
    format: (u, inv) => (inv.json ? json(u) : `Usage: ${u.usage}\n`),
  }),
};
