// Answers the requests about SysV init scripts and runlevels: sysv-list, sysv-run, runlevel, telinit, cancel-shutdown.
import { EngineError } from '../../model/engineApi.ts';
import type { MachineRequest } from '../protocol.ts';
import type { HandlerTable } from './context.ts';

export const machineHandlers: HandlerTable<MachineRequest['type']> = {
  'sysv-list': (_r, ctx) => ctx.hooks.sysv?.list() ?? [],
  'sysv-run': (r, ctx) => {
    if (ctx.hooks.sysv === undefined) throw new EngineError('invalid', 'this init does not run SysV init scripts');
    const { name, script, action, env, timeoutMs, note } = r;
    return ctx.hooks.sysv.run({ name, script, action, env, timeoutMs, ...(note !== undefined ? { note } : {}) });
  },
  runlevel: (_r, ctx) => ctx.hooks.runlevels?.state() ?? { runlevel: 'N', previous: 'N' },
  telinit: (r, ctx) => {
    if (ctx.hooks.runlevels === undefined) throw new EngineError('invalid', 'this init does not keep runlevels');
    return ctx.hooks.runlevels.change(r.runlevel, r.env, r.at, r.message);
  },
  'cancel-shutdown': (_r, ctx) => {
    if (ctx.hooks.runlevels === undefined) throw new EngineError('invalid', 'this init does not keep runlevels');
    return ctx.hooks.runlevels.cancel();
  },
};
