// GetState's answer: the daemon's state as JSON, the parts a re-exec hands over that can be read without quiescing.
import type { Engine } from '../job/engine.ts';
import type { LogPriority } from '../log/daemonLog.ts';
import type { NativeProcessPort } from '../process/nativePort.ts';
import { STATE_FORMAT } from '../state/envelope.ts';
import { VERSION } from './version.ts';

export interface StateViewHost {
  engine: Engine;
  port: NativeProcessPort;
  notifyStatus: ReadonlyMap<string, string>;
  defaultJobEnv: ReadonlyMap<string, string>;
  runlevel(): [string, string] | undefined;
  logPriority(): LogPriority;
}

/**
 * The state envelope's format and version with the engine part (job classes, instances, their
 * environments, blocked events) and the process and daemon tables, as a re-exec would write them
 * now. Left out: the parts taken only at the exec (job output being handed over, the journal) and
 * every fd. Read-only: nothing is paused or changed to take it (docs/dbus.md, GetState).
 */
export function stateView(h: StateViewHost): string {
  const notifyStatus: Array<[string, string, string]> = [];
  for (const [k, text] of h.notifyStatus) {
    const [job, instance] = k.split('\0') as [string, string];
    notifyStatus.push([job, instance, text]);
  }
  const runlevel = h.runlevel();
  return JSON.stringify({
    format: STATE_FORMAT,
    version: VERSION,
    wall: Date.now(),
    parts: {
      engine: h.engine.snapshot(false),
      process: h.port.toWire(),
      daemon: { notifyStatus, defaultJobEnv: [...h.defaultJobEnv], ...(runlevel === undefined ? {} : { runlevel }), logPriority: h.logPriority() },
    },
  });
}
