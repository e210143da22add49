// initctl action JOB ACTION [KEY=VALUE]... (and `initctl ACTION JOB`): runs a job's custom action and exits with its status.
import type { EngineApi } from '../../model/engineApi.ts';
import { UsageError } from './argv.ts';
import { command, json, type CommandSpec } from './context.ts';

export const actionCommands: Record<string, CommandSpec> = {
  action: command({
    summary: "Run a job's custom action (its 'action NAME' stanza) while it runs; exit with the action's status.",
    usage: 'JOB ACTION [KEY=VALUE]...',
    requests: ['action'],
    parse: (inv, env) => {
      // Inside a job, `initctl action ACTION` acts on the caller's own instance, named (it may wait: the action is another process).
      const self = env.UPSTART_JOB;
      if (inv.args.length === 1 && self !== undefined && self !== '') {
        return { type: 'action', job: self, action: inv.args[0] as string, env: [], wait: inv.wait, instance: env.UPSTART_INSTANCE ?? '' };
      }
      const [job, action, ...pairs] = inv.args;
      if (job === undefined) throw new UsageError('missing job name');
      if (action === undefined) throw new UsageError('missing action name');
      return { type: 'action', job, action, env: pairs, wait: inv.wait };
    },
    format: (r, inv) => (inv.json ? json(r) : ''),
    // The action's own status; 128+N when signal N killed it (initctl(8) has no other word for it).
    status: (r) => r.exitStatus,
  }),
};

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
