// Answers the requests about the daemon itself: version, log priority, notify-*, reexec, list-sessions.
import { EngineError } from '../../model/engineApi.ts';
import { LOG_PRIORITIES, type LogPriority } from '../../log/daemonLog.ts';
import type { DaemonRequest } from '../protocol.ts';
import type { HandlerTable } from './context.ts';

export const daemonHandlers: HandlerTable<DaemonRequest['type']> = {
  version: (_r, ctx) => ctx.hooks.version(),
  'get-log-priority': (_r, ctx) => ctx.hooks.getLogPriority(),
  'set-log-priority': (r, ctx) => {
    if (!(LOG_PRIORITIES as readonly string[]).includes(r.priority)) {
      throw new EngineError('invalid', `invalid priority: ${r.priority} (one of ${LOG_PRIORITIES.join(', ')})`);
    }
    ctx.hooks.setLogPriority(r.priority as LogPriority);
    return null;
  },
  'notify-disk-writeable': async (_r, ctx) => {
    await ctx.hooks.notifyDiskWriteable();
    return null;
  },
  'notify-address': (r, ctx) => {
    ctx.hooks.notifyAddress?.(r.kind, r.address);
    return null;
  },
  reexec: async (r, ctx) => {
    const file = r.withState;
    if (file !== undefined && !file.startsWith('/')) throw new EngineError('invalid', `--with-state: the daemon reads FILE itself, so it must be an absolute path: ${file}`);
    if (ctx.hooks.reexec === undefined) throw new EngineError('invalid', 're-exec is not available in this daemon');
    await ctx.hooks.reexec(file);
    return null;
  },
  'list-sessions': (_r, ctx) => ctx.hooks.listSessions(),
};
