// The daemon's one way down: every job stopped in order within --shutdown-timeout, then everything closed, then the machine's final stage or the daemon's exit.
import type { InstanceStatus } from '../model/engineApi.ts';
import type { ShutdownRequest } from '../job/shutdown.ts';

/** What the daemon does once its jobs are stopped: halt, power off or restart the machine (as PID 1), or exit. */
export type ShutdownAction = 'halt' | 'poweroff' | 'reboot' | 'exit';

export interface ShutdownOptions {
  /** Said in the log: `SIGTERM`, `runlevel 0`, `session-end`… */
  reason: string;
  action: ShutdownAction;
  /** Emitted first; the jobs whose `stop on` it reaches stop as it says (e.g. `runlevel RUNLEVEL=0 PREVLEVEL=2`). */
  event?: { name: string; env: string[] };
}

const SAID_ACTION = { halt: 'halt', poweroff: 'power off', reboot: 'restart' } as const;

export interface ShutdownSequenceHost {
  engine: {
    shutdown(request: ShutdownRequest): Promise<void>;
    classes(): ReadonlyArray<{ name: string }>;
    status(job: string): InstanceStatus[];
  };
  /** --shutdown-timeout. */
  timeoutS: number;
  /** A container's init: a shutdown that ran out of time is a forced one. */
  container: boolean;
  /** PID 1 of a machine (not a container's, in its first PID namespace): it ends in reboot(2), never exits. */
  machine: boolean;
  log(level: 'info' | 'message' | 'warn' | 'error', msg: string): void;
  /** A container's shutdown out of time: exit status 1, and every job process killed now. */
  giveUp(): void;
  /** Closes the control socket, the bus, the logs and the journal, in that order. */
  closeAll(): Promise<void>;
  /** The machine's last stage for ACTION (a shutdown record in wtmp, the rest of the processes killed, reboot(2)). */
  finalStage(action: Exclude<ShutdownAction, 'exit'>): Promise<void>;
  /** The daemon exits (with its exit status). */
  exit(): void;
}

/**
 * The engine's staged shutdown (job/shutdown.ts) with `o.event` emitted first, bounded by the
 * timeout; what is still running then is named in the log and left (a container's is killed).
 */
export async function shutDown(o: ShutdownOptions, h: ShutdownSequenceHost): Promise<void> {
  if (o.action !== 'exit') h.log('message', `${o.reason}: stopping every job in order, then ${SAID_ACTION[o.action]}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((r) => { timer = setTimeout(() => r('deadline'), h.timeoutS * 1000); });
  try {
    const how = await Promise.race([h.engine.shutdown(o.event === undefined ? {} : { event: o.event }).then(() => 'done' as const), deadline]);
    if (how === 'deadline') {
      const left = h.engine.classes().flatMap((c) => h.engine.status(c.name)).map((s) => `${s.job}${s.instance ? ` (${s.instance})` : ''} ${s.goal}/${s.state}`);
      h.log('warn', `shutdown: still running after ${h.timeoutS} s, going on without them: ${left.join(', ')}`);
      if (h.container) h.giveUp();
    }
  } catch (err) {
    h.log('error', `shutdown: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  await h.closeAll();
  if (o.action !== 'exit') {
    if (h.machine) {
      // PID 1 never exits: reboot(2) ends the machine (or, in a PID namespace, this init).
      await h.finalStage(o.action);
      return;
    }
    h.log('message', `${o.reason}: not the init of a machine, so exiting instead of ${SAID_ACTION[o.action]}`);
  }
  h.exit();
}
