// Answers the typed requests of the client library (everything except `command`, `subscribe`, `cancel`).
import { EngineError, type EngineApi, type EnvScope, type InstanceStatus } from '../model/engineApi.ts';
import { LOG_PRIORITIES, type LogPriority } from '../log/daemonLog.ts';
import { summarise } from './commands/config.ts';
import { waitingStatus } from './commands/statusText.ts';
import type { DaemonHooks } from './hooks.ts';
import type { Request } from './protocol.ts';

type Typed = Exclude<Request, { type: 'command' | 'subscribe' | 'cancel' }>;

/** Typed env requests act on the global table (and, for set/unset, every live instance's), as initctl outside a job does. */
const GLOBAL_ENV: EnvScope = { kind: 'global' };

function listAll(engine: EngineApi): InstanceStatus[] {
  const out: InstanceStatus[] = [];
  for (const name of engine.classes().map((c) => c.name).sort()) {
    let list: InstanceStatus[];
    try {
      list = engine.status(name);
    } catch (err) {
      if (err instanceof EngineError && err.code === 'unknown-job') continue;
      throw err;
    }
    out.push(...(list.length > 0 ? list : [waitingStatus(name)]));
  }
  return out;
}

/** The value of a `result` reply; throws EngineError for an `error` reply. */
export async function answerTyped(r: Typed, engine: EngineApi, hooks: DaemonHooks): Promise<unknown> {
  switch (r.type) {
    case 'status':
      return engine.status(r.job, r.instance);
    case 'list':
      return listAll(engine);
    case 'version':
      return hooks.version();
    case 'get-log-priority':
      return hooks.getLogPriority();
    case 'list-env':
      return Object.fromEntries(engine.envList(GLOBAL_ENV));
    case 'get-env': {
      const v = engine.jobEnv().get(r.name);
      if (v === undefined) throw new EngineError('invalid', `No such variable: ${r.name}`);
      return v;
    }
    case 'show-config': {
      if (r.job === undefined) return engine.classes().map(summarise).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const spec = engine.getClass(r.job);
      if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${r.job}`);
      return [summarise(spec)];
    }
    case 'why':
      return engine.why(r.job);
    case 'list-sessions':
      return await hooks.listSessions();
    case 'journal':
      return hooks.journal();
    case 'start':
    case 'stop':
    case 'restart':
      return await engine[r.type](r.job, r.env, r.wait);
    case 'reload':
      engine.reload(r.job, r.env);
      return null;
    case 'emit':
      await engine.emit(r.name, r.env, r.wait);
      return null;
    case 'set-env':
      engine.envSet(GLOBAL_ENV, [[r.name, r.value]], r.retain);
      return null;
    case 'unset-env':
      engine.envUnset(GLOBAL_ENV, [r.name], false);
      return null;
    case 'reset-env':
      engine.envReset(GLOBAL_ENV, hooks.defaultJobEnv());
      return null;
    case 'reload-configuration':
      await hooks.reloadConfiguration();
      return null;
    case 'set-log-priority':
      if (!(LOG_PRIORITIES as readonly string[]).includes(r.priority)) {
        throw new EngineError('invalid', `invalid priority: ${r.priority} (one of ${LOG_PRIORITIES.join(', ')})`);
      }
      hooks.setLogPriority(r.priority as LogPriority);
      return null;
    case 'notify-disk-writeable':
      await hooks.notifyDiskWriteable();
      return null;
    case 'sysv-list':
      return hooks.sysv?.list() ?? [];
    case 'runlevel':
      return hooks.runlevels?.state() ?? { runlevel: 'N', previous: 'N' };
    case 'telinit':
      if (hooks.runlevels === undefined) throw new EngineError('invalid', 'this init does not keep runlevels');
      return hooks.runlevels.change(r.runlevel, r.env, r.at, r.message);
    case 'cancel-shutdown':
      if (hooks.runlevels === undefined) throw new EngineError('invalid', 'this init does not keep runlevels');
      return hooks.runlevels.cancel();
    case 'emit-dry-run':
      if (hooks.dryRun === undefined) throw new EngineError('invalid', 'this init cannot simulate events');
      return hooks.dryRun.emit(r.name, r.env);
    case 'reload-dry-run':
      if (hooks.dryRun === undefined) throw new EngineError('invalid', 'this init cannot plan a reload');
      return await hooks.dryRun.reload(r.from);
    case 'action': {
      if (hooks.actions === undefined) throw new EngineError('invalid', 'this init does not run custom actions');
      return await hooks.actions.run({ job: r.job, action: r.action, env: r.env, wait: r.wait });
    }
    case 'sysv-run': {
      if (hooks.sysv === undefined) throw new EngineError('invalid', 'this init does not run SysV init scripts');
      const { name, script, action, env, timeoutMs, note } = r;
      return await hooks.sysv.run({ name, script, action, env, timeoutMs, ...(note !== undefined ? { note } : {}) });
    }
  }
}
