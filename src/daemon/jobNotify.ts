// The daemon's notify socket for its jobs (CONTROL.notify): whose message it is, and what READY=1 and STATUS= do.
import type { Engine } from '../job/engine.ts';
import type { LogFn } from '../model/log.ts';
import { instanceKey, instanceLabel } from '../model/instanceRef.ts';
import { cgroupOf } from '../process/procStat.ts';
import * as native from '../sys/index.ts';
import type { JobCgroups } from './jobCgroups.ts';
import { NotifyListener, type NotifyResolver } from './notifySocket.ts';
import type { ReadinessHub } from './readinessHub.ts';

export interface JobNotifyHost {
  /** The control socket's path ('\0name' for an abstract one): the notify socket is beside it. */
  controlPath: string;
  engine: () => Engine;
  cgroups: JobCgroups;
  readiness: ReadinessHub;
  /** STATUS= texts by instanceKey, for status --json (kept across a re-exec by the caller). */
  notifyStatus: Map<string, string>;
  log: LogFn;
}

/** Whose process a pid is, for the notify socket: the engine's pids, then the job cgroups. */
export function jobNotifyResolver(engine: () => Engine, cgroups: JobCgroups): NotifyResolver {
  return {
    byPid: (pid) => engine().jobsUsingPid(pid)[0],
    byCgroup: (pid) => {
      const tree = cgroups.current;
      const cg = tree === undefined ? undefined : cgroupOf(pid);
      return cg === undefined ? undefined : tree?.ownerOf(cg);
    },
  };
}

/** The notify socket beside the control socket (CONTROL.notify); undefined (logged) if it cannot be bound. adoptFd: the one kept across a re-exec. */
export function openJobNotifySocket(h: JobNotifyHost, adoptFd?: number): NotifyListener | undefined {
  const control = h.controlPath;
  const path = control.startsWith('\0') ? `@${control.slice(1)}.notify` : `${control}.notify`;
  try {
    return new NotifyListener({
      path,
      resolver: jobNotifyResolver(h.engine, h.cgroups),
      ...h.readiness.notifyCallbacks(),
      onStatus: (owner, text) => { h.notifyStatus.set(instanceKey(owner.job, owner.instance), text); },
      onReady: (owner, pid) => {
        h.log('debug', `${instanceLabel(owner.job, owner.instance)}: READY=1 from ${pid}`);
        h.readiness.readied(owner);
        void h.engine().emit('ready', [`JOB=${owner.job}`, `INSTANCE=${owner.instance}`], false).catch(() => undefined);
      },
      log: h.log,
      open: (p, cb) => native.openDgramSocket(p, cb),
      ...(adoptFd === undefined ? {} : { adoptFd }),
    });
  } catch (err) {
    h.log('warn', `no notify socket (jobs cannot say READY=1): ${(err as Error).message}`);
    return undefined;
  }
}
