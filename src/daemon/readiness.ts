// What a main process gets for readiness and activation at spawn: NOTIFY_SOCKET, the watchdog's variables, socket fds (LISTEN_FDS), a notification fd.
import { Socket } from 'node:net';
import type { JobClassSpec } from '../model/jobClass.ts';
import type { SpawnRequest } from '../process/port.ts';
import type { FdStore } from './fdStore.ts';
import type { Watchdog } from './watchdog.ts';

export interface ReadinessHost {
  specOf(job: string): JobClassSpec | undefined;
  notifySocket(): string | undefined;
  fdStore: FdStore;
  /** Reads the notify socket's queue now (a bridge's FDSTORE=1 sent just before its emit). */
  drainNotify(): void;
  watchdog: Watchdog;
  /** A job's main process said it is ready (its notification fd got a newline). */
  ready(job: string, instance: string): void;
  pipe(): [number, number];
  closeFd(fd: number): void;
  log(level: 'debug' | 'warn', msg: string): void;
}

/** A main spawn being prepared: the request to hand on, and what to do once it is known whether it started. */
export interface Prepared {
  req: SpawnRequest;
  done(pid: number | undefined): void;
}

const ACTIVATION_VARS = ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', 'UPSTART_FDS'];
// The KEY= prefixes made once, not per entry (these run on every main spawn's environment).
const withoutVars = (env: string[], names: string[]): string[] => {
  const prefixes = names.map((n) => `${n}=`);
  return env.filter((e) => !prefixes.some((p) => e.startsWith(p)));
};
const valueOf = (env: string[], name: string): string | undefined => {
  const prefix = `${name}=`;
  for (let i = env.length - 1; i >= 0; i--) if (env[i]!.startsWith(prefix)) return env[i]!.slice(prefix.length);
  return undefined;
};

/**
 * Only the main process is touched. Socket activation: an environment whose LISTEN_FDNAMES names
 * fds in the store (the socket bridge's event puts it there) gets them as fds 3, 4, ... with
 * LISTEN_FDS, LISTEN_PID (the process's own pid, written by the child) and UPSTART_FDS; names the
 * store lacks drop the activation variables, with a warning. The watchdog arms when the spawn
 * succeeds; a notification fd is the write end of a pipe the daemon reads until a newline.
 */
export class SpawnReadiness {
  constructor(private readonly host: ReadinessHost) {}

  prepare(req: SpawnRequest): Prepared {
    if (req.process !== 'main') return { req, done: () => {} };
    const spec = this.host.specOf(req.job);
    let env = req.env;
    const fdMap: [number, number][] = [...(req.fdMap ?? [])];
    const pidEnv: string[] = [...(req.pidEnv ?? [])];
    const after: ((pid: number | undefined) => void)[] = [];

    const notify = req.expect.kind === 'event' || spec?.watchdog !== undefined ? this.host.notifySocket() : undefined;
    if (notify !== undefined && valueOf(env, 'NOTIFY_SOCKET') !== notify) env = [...withoutVars(env, ['NOTIFY_SOCKET']), `NOTIFY_SOCKET=${notify}`];

    if (spec?.watchdog !== undefined) {
      const usec = Math.round(spec.watchdog * 1e6);
      env = [...withoutVars(env, ['WATCHDOG_USEC', 'WATCHDOG_PID']), `WATCHDOG_USEC=${usec}`];
      pidEnv.push('WATCHDOG_PID');
      after.push((pid) => { if (pid !== undefined) this.host.watchdog.arm(req.job, req.instance, pid, usec); });
    }

    const names = valueOf(env, 'LISTEN_FDNAMES');
    if (names !== undefined) {
      const list = names.split(':').filter((n) => n !== '');
      let fds = list.map((n) => this.host.fdStore.get(n));
      if (fds.some((f) => f === undefined)) {
        this.host.drainNotify();
        fds = list.map((n) => this.host.fdStore.get(n));
      }
      env = withoutVars(env, ACTIVATION_VARS);
      if (list.length > 0 && fds.every((f) => f !== undefined)) {
        const targets = fds.map((_, i) => 3 + i);
        fds.forEach((f, i) => fdMap.push([f!, targets[i]!]));
        env = [...env, `LISTEN_FDS=${fds.length}`, `LISTEN_FDNAMES=${list.join(':')}`, `UPSTART_FDS=${targets.join(' ')}`];
        pidEnv.push('LISTEN_PID');
      } else {
        const missing = list.filter((_, i) => fds[i] === undefined);
        this.host.log('warn', `${req.job}: no socket to pass for LISTEN_FDNAMES=${names} (${missing.join(', ') || 'empty'} not in the daemon's fd store): started without LISTEN_FDS`);
      }
    }

    const nfd = spec?.notificationFd;
    if (nfd !== undefined) {
      if (fdMap.some(([, t]) => t === nfd)) {
        this.host.log('warn', `${req.job}: notification fd ${nfd} is also a socket's fd: no notification fd`);
      } else {
        const [r, w] = this.host.pipe();
        fdMap.push([w, nfd]);
        after.push((pid) => {
          this.host.closeFd(w);
          if (pid === undefined) this.host.closeFd(r);
          else this.watchNotification(req.job, req.instance, pid, r);
        });
      }
    }

    const out: SpawnRequest = { ...req, env };
    if (fdMap.length > 0) out.fdMap = fdMap;
    if (pidEnv.length > 0) out.pidEnv = pidEnv;
    return { req: out, done: (pid) => { for (const f of after) f(pid); } };
  }

  /** Reads the notification pipe until a newline (ready) or its end (the process closed it, or exited). */
  private watchNotification(job: string, instance: string, pid: number, fd: number): void {
    let sock: Socket;
    try {
      sock = new Socket({ fd, readable: true, writable: false });
    } catch (err) {
      this.host.closeFd(fd);
      this.host.log('warn', `${job}: cannot read notification fd of ${pid}: ${(err as Error).message}`);
      return;
    }
    sock.unref();
    let done = false;
    sock.on('data', (chunk: Buffer) => {
      if (done || !chunk.includes(0x0a)) return;
      done = true;
      this.host.log('debug', `${job}: notification fd: ready (from ${pid})`);
      this.host.ready(job, instance);
      sock.destroy();
    });
    sock.on('error', () => sock.destroy());
    sock.on('end', () => {
      if (!done) this.host.log('debug', `${job}: notification fd of ${pid} closed before a newline`);
      sock.destroy();
    });
  }
}
