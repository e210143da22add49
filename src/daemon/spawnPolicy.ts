// The daemon's spawn policy: what it changes in every spawn request before the process layer sees it (a ProcessPort decorator).
import type { RLimit } from '../model/jobClass.ts';
import type { ProcessPort, SpawnRequest } from '../process/port.ts';

/** Readiness and activation at spawn (src/daemon/readiness.ts), told which pids end or move. */
export interface SpawnHooks {
  prepare(req: SpawnRequest): { req: SpawnRequest; done(pid: number | undefined): void };
  exited(pid: number): void;
  moved(from: number, to: number): void;
}

export interface SpawnPolicy {
  /** --no-log: `console log` becomes `console none` (init(8)). */
  noLog: boolean;
  /** RLIMIT_NOFILE as the daemon was started, for jobs without `limit nofile`. */
  nofile: RLimit | undefined;
  /** The notify socket's path, once it is bound. */
  notifySocket: () => string | undefined;
  /** Called when the process layer forgets an instance. */
  gone: (job: string, instance: string) => void;
  /** NOTIFY_SOCKET, the watchdog, socket fds and the notification fd of main processes. */
  hooks?: SpawnHooks;
}

/**
 * Wraps `port`: under --no-log `console log` becomes `console none` (init(8)); a job without
 * `limit nofile` gets the open-file limit the daemon itself was started with, not the raised one
 * it keeps for its ptys and logs (programs that loop over every possible fd, or use select(),
 * break with a huge soft limit); the main process of a job with `expect CONDITION` gets
 * NOTIFY_SOCKET.
 */
export function adjustSpawns(port: ProcessPort, policy: SpawnPolicy): ProcessPort {
  const { noLog, nofile, notifySocket, gone, hooks } = policy;
  /** Spawns known by a provisional id: their hooks hear the pid with execed (and the fds they close stay open until the child exists). */
  const unresolved = new Map<number, (pid: number | undefined) => void>();
  return {
    spawn: (req) => {
      let r = req;
      if (noLog && r.console === 'log') r = { ...r, console: 'none' };
      if (nofile !== undefined && r.limits.nofile === undefined) r = { ...r, limits: { ...r.limits, nofile } };
      if (hooks === undefined) {
        // A main process whose job waits for a readiness condition may say READY=1 (sd_notify).
        const notify = r.expect.kind === 'event' ? notifySocket() : undefined;
        if (notify !== undefined) r = { ...r, env: [...r.env, `NOTIFY_SOCKET=${notify}`] };
        return port.spawn(r);
      }
      const prepared = hooks.prepare(r);
      let result;
      try {
        result = port.spawn(prepared.req);
      } catch (err) {
        prepared.done(undefined);
        throw err;
      }
      if (result.ok && result.pending === true && result.pid <= 0) unresolved.set(result.pid, prepared.done);
      else prepared.done(result.ok ? result.pid : undefined);
      return result;
    },
    signal: (inst, target, signal, pids) => port.signal(inst, target, signal, pids),
    resume: (pid) => port.resume(pid),
    setEvents: (events) => port.setEvents(hooks === undefined ? events : {
      exited: (info) => { hooks.exited(info.pid); events.exited(info); },
      execed: (id, pid, failure) => {
        const done = unresolved.get(id);
        if (done !== undefined) {
          unresolved.delete(id);
          done(failure === undefined && pid > 0 ? pid : undefined);
        }
        events.execed(id, pid, failure);
      },
      ready: (spawnedPid, pid) => { hooks.moved(spawnedPid, pid); events.ready(spawnedPid, pid); },
      adopted: (a) => events.adopted(a),
    }),
    ...(port.retrack ? { retrack: (from: number, to: number) => port.retrack!(from, to) } : {}),
    instanceGone: (job, instance) => {
      gone(job, instance);
      port.instanceGone?.(job, instance);
    },
  };
}
