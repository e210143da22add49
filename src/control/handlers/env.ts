// Answers the requests about the job environment tables: list-env, get-env, set-env, unset-env, reset-env.
import { EngineError, type EnvScope } from '../../model/engineApi.ts';
import type { EnvRequest } from '../protocol.ts';
import type { HandlerTable } from './context.ts';

/** A job's own table when the request names one (initctl run from within a job), else the global one. */
function scopeOf(r: { job?: string; instance?: string }): EnvScope {
  return r.job === undefined ? { kind: 'global' } : { kind: 'instance', job: r.job, instance: r.instance ?? '' };
}

export const envHandlers: HandlerTable<EnvRequest['type']> = {
  'list-env': (r, ctx) => Object.fromEntries(ctx.engine.envList(scopeOf(r))),
  'get-env': (r, ctx) => {
    const value = ctx.engine.envList(scopeOf(r)).find(([k]) => k === r.name)?.[1];
    if (value === undefined) throw new EngineError('invalid', `No such variable: ${r.name}`);
    return value;
  },
  'set-env': (r, ctx) => {
    ctx.engine.envSet(scopeOf(r), [[r.name, r.value], ...(r.more ?? [])], r.retain);
    return null;
  },
  'unset-env': (r, ctx) => {
    ctx.engine.envUnset(scopeOf(r), [r.name, ...(r.more ?? [])], r.retain ?? false);
    return null;
  },
  'reset-env': (r, ctx) => {
    ctx.engine.envReset(scopeOf(r), ctx.hooks.defaultJobEnv());
    return null;
  },
};
