// Answers the requests about events and what they did: emit, notify-ready, journal, subscribe, why.
import { EngineError } from '../../model/engineApi.ts';
import type { EventRequest } from '../protocol.ts';
import { untilAborted, type HandlerTable } from './context.ts';

export const eventHandlers: HandlerTable<EventRequest['type']> = {
  emit: async (r, ctx) => {
    await ctx.engine.emit(r.name, r.env, r.wait);
    return null;
  },
  'notify-ready': async (r, ctx) => {
    if (ctx.engine.getClass(r.job) === undefined) throw new EngineError('unknown-job', `Unknown job: ${r.job}`);
    // Never waits for what the event starts: the job saying it is ready must not be held up by its dependants.
    await ctx.engine.emit('ready', [`JOB=${r.job}`, `INSTANCE=${r.instance}`], false);
    return null;
  },
  journal: async (r, ctx) => {
    // journal() and subscribe() in one tick: nothing falls between them.
    const past = ctx.hooks.journal();
    if (r.follow !== true) return past;
    if (ctx.signal.aborted) return [];
    const unsubscribe = ctx.engine.subscribe(ctx.stream);
    past.forEach(ctx.stream);
    await untilAborted(ctx.signal);
    unsubscribe();
    return [];
  },
  subscribe: async (_r, ctx) => {
    if (ctx.signal.aborted) return null;
    const unsubscribe = ctx.engine.subscribe(ctx.stream);
    await untilAborted(ctx.signal);
    unsubscribe();
    return null;
  },
  why: (r, ctx) => ctx.engine.why(r.job),
  'emit-dry-run': (r, ctx) => {
    if (ctx.hooks.dryRun === undefined) throw new EngineError('invalid', 'this init cannot simulate events');
    return ctx.hooks.dryRun.emit(r.name, r.env);
  },
};
