// Answers the requests about jobs and their instances: status, list, start, stop, restart, reload, usage.
import { EngineError, type EngineApi, type InstanceStatus } from '../../model/engineApi.ts';
import { waitingStatus } from '../commands/statusText.ts';
import type { Drifting, JobRequest, StatusEntry } from '../protocol.ts';
import { actionNames } from '../../model/actions.ts';
import { driftOf } from '../commands/drift.ts';
import type { HandlerContext, HandlerTable } from './context.ts';

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

/** The env of a goal change: as given, or the pairs that select the named instance. */
function changeEnv(engine: EngineApi, r: { job: string; env: string[]; instance?: string }): string[] {
  return r.instance === undefined ? r.env : envSelecting(engine, r.job, r.instance);
}

/** Every instance of every job (`stop/waiting` for one without), and the init scripts upstart-rc ran, by name. */
function listAll(ctx: HandlerContext): InstanceStatus[] {
  const all: InstanceStatus[] = [];
  for (const name of ctx.engine.classes().map((c) => c.name).sort()) {
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
  // SysV init scripts as `NAME (sysv) GOAL/STATE` among the jobs (docs/sysv.md).
  for (const s of ctx.hooks.sysv?.list() ?? []) {
    if (ctx.engine.getClass(s.name) !== undefined) continue;
    all.push({ job: s.name, instance: 'sysv', goal: s.goal, state: s.state, processes: [] });
  }
  return all.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
}

type StatusRequest = Extract<JobRequest, { type: 'status' }>;

/** Each entry with its drift, when the instance runs a definition other than the loaded one. */
function withDrift<T extends InstanceStatus>(ctx: HandlerContext, list: T[]): Array<Drifting<T>> {
  return list.map((s) => {
    const drift = driftOf(ctx.engine, s.job, s.instance);
    return drift === undefined ? s : { ...s, drift };
  });
}

/** status --json: the actions the instance's definition offers and those running now (ours; absent without any). */
function actionFacts(ctx: HandlerContext, job: string, instance: string): Pick<StatusEntry, 'actions' | 'runningActions'> {
  const spec = ctx.engine.instanceFacts?.(job, instance)?.spec ?? ctx.engine.getClass(job);
  const names = spec === undefined ? [] : actionNames(spec);
  const running = ctx.hooks.actions?.running(job, instance) ?? [];
  return { ...(names.length > 0 ? { actions: names } : {}), ...(running.length > 0 ? { runningActions: running } : {}) };
}

/** status with detail: what initctl status shows (and, `full`, its --json extras). */
async function statusDetail(r: StatusRequest, ctx: HandlerContext): Promise<StatusEntry[]> {
  const { engine, hooks } = ctx;
  const env = r.env ?? [];
  // A SysV init script upstart-rc ran (docs/sysv.md): answered from its status action.
  if (r.instance === undefined && env.length === 0 && engine.getClass(r.job) === undefined && hooks.sysv !== undefined) {
    const answer = await hooks.sysv.status(r.job, ctx.mayChange);
    if (answer !== undefined) return [{ ...answer.status, sysv: { statusExit: answer.statusExit ?? null, statusOutput: answer.statusOutput ?? '' } }];
  }
  const list = instances(r, engine);
  const shown: StatusEntry[] = list.length > 0 ? list : [waitingStatus(r.job)];
  // A job with no instance left says why its last one failed (a readiness timeout, say), if it did.
  const failure = list.length === 0 ? engine.lastFailure?.(r.job) : undefined;
  return shown.map((s) => {
    // The watchdog (interval, timeouts, why it last fired) and STOPPING/RELOADING state, when there are.
    const readiness = hooks.readiness?.(s.job, s.instance);
    if (r.detail !== 'full') {
      return { ...s, ...(readiness !== undefined ? { readiness } : {}), ...(failure !== undefined ? { lastFailure: failure } : {}) };
    }
    // Each instance's output counters (console log, as JobLogger keeps them) and its cgroup, when there are.
    const cgroup = hooks.cgroupStats?.(s.job, s.instance);
    const notifyStatus = hooks.notifyStatus?.(s.job, s.instance);
    return {
      ...s,
      ...actionFacts(ctx, s.job, s.instance),
      ...(hooks.outputStats ? { output: hooks.outputStats(s.job, s.instance) } : {}),
      ...(cgroup ? { cgroup } : {}),
      ...(notifyStatus !== undefined ? { notifyStatus } : {}),
      ...(readiness !== undefined ? { readiness } : {}),
      ...(failure !== undefined ? { lastFailure: failure } : {}),
    };
  });
}

/** The instances a status request names: one by name or by KEY=VALUE, else all. */
function instances(r: StatusRequest, engine: EngineApi): InstanceStatus[] {
  if (r.instance !== undefined) return engine.status(r.job, r.instance);
  if (r.env !== undefined && r.env.length > 0) {
    const name = engine.instanceOf(r.job, r.env);
    const list = engine.status(r.job, name);
    if (list.length === 0 && name !== '') throw new EngineError('unknown-instance', `Unknown instance: ${r.job} (${name})`);
    return list;
  }
  return engine.status(r.job);
}

export const jobHandlers: HandlerTable<JobRequest['type']> = {
  status: async (r, ctx) => withDrift(ctx, r.detail === undefined ? instances(r, ctx.engine) : await statusDetail(r, ctx)),
  list: (_r, ctx) => withDrift(ctx, listAll(ctx)),
  start: (r, ctx) => ctx.engine.start(r.job, changeEnv(ctx.engine, r), r.wait),
  stop: (r, ctx) => ctx.engine.stop(r.job, changeEnv(ctx.engine, r), r.wait),
  restart: (r, ctx) => ctx.engine.restart(r.job, changeEnv(ctx.engine, r), r.wait),
  reload: (r, ctx) => {
    ctx.engine.reload(r.job, changeEnv(ctx.engine, r));
    return null;
  },
  action: async (r, ctx) => {
    if (ctx.hooks.actions === undefined) throw new EngineError('invalid', 'this init does not run custom actions');
    return await ctx.hooks.actions.run({ job: r.job, action: r.action, env: r.env, wait: r.wait, ...(r.instance !== undefined ? { instance: r.instance } : {}) });
  },
  usage: (r, ctx) => {
    const spec = ctx.engine.getClass(r.job);
    if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${r.job}`);
    return { job: spec.name, usage: spec.usage ?? '' };
  },
};
