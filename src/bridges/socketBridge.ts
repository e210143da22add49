// The socket bridge: listens where the jobs' `socket` conditions say, and on the first connection hands the listening fd to init and emits `socket` (socket-event(7)).
import { connect } from 'node:net';
import type { ConfigSummary } from '../control/protocol.ts';
import type { InstanceStatus, JournalEntry } from '../model/engineApi.ts';
import { conditionsOf } from './fileBridge.ts';
import { eventEnv, fdName, socketsOf, type SocketSpec } from './socketWatches.ts';

/** What the bridge needs of the daemon (DaemonLink provides it; the job list and states come in through update/instances/entry). */
export interface SocketBridgeDaemon {
  /** Whether init can be reached now (not while it re-executes or restarts). */
  readonly connected: boolean;
  emit(name: string, env: string[], o: { wait: boolean }): Promise<void>;
}

/** What it needs of the system (src/sys in the product). */
export interface SocketBridgeSys {
  listenSocket(family: 'inet' | 'inet6' | 'unix', address: string, port: number, backlog: number): number;
  watchReadable(fd: number, cb: (error: boolean) => void): { close(): void };
  /** One datagram to init's notify socket with fds attached (FDSTORE=1). */
  sendDgram(path: string, data: Buffer, fds: number[]): void;
  closeFd(fd: number): void;
}

export interface SocketBridgeOptions {
  daemon: SocketBridgeDaemon;
  sys: SocketBridgeSys;
  /** init's notify socket ($NOTIFY_SOCKET, or the control socket's path + `.notify`). */
  notifySocket: string;
  /** How soon a socket that could not be bound (or handed over) is tried again (ms; default 2000); no timer runs otherwise. */
  retryMs?: number;
  log(level: 'debug' | 'info' | 'warn', msg: string): void;
}

interface Listener {
  spec: SocketSpec;
  name: string;
  jobs: Set<string>;
  fd?: number;
  watch?: { close(): void };
  /** Emitted: the job that accepts owns the socket until it stops. */
  handedOver: boolean;
  /** The last emit has been handled (its jobs started, or failed): only then may no running job mean "watch again". */
  settled: boolean;
  /** The in-use warning was given (once per socket, not at every refresh). */
  warnedInUse?: boolean;
}

/**
 * Invariants: one listening fd per socket some job's condition names (bound while it can be); a
 * socket is watched only while no job it started is running (its job accepts then); each
 * activation deposits the fd in init's store (FDSTORE=1 FDNAME=NAME) before it emits `socket`
 * with LISTEN_FDNAMES=NAME, so the daemon has the fd when it spawns the job.
 */
export class SocketBridge {
  private readonly listeners = new Map<string, Listener>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private refreshing: Promise<void> | undefined;
  /** A change came while a refresh ran: one more follows it. */
  private dirty = false;
  /** The job list as init last sent it (undefined: not yet). */
  private summaries: ConfigSummary[] | undefined;
  /** Job → its instances with goal start, from `list` at each connection and the journal's state entries since. */
  private readonly running = new Map<string, Set<string>>();
  /** Something is to be tried again (a bind, a handover): the retry timer is armed. */
  private retryWanted = false;

  constructor(private readonly o: SocketBridgeOptions) {}

  /** The job list (watch-config): sockets are bound, watched and dropped to match it. */
  update(summaries: ConfigSummary[]): Promise<void> {
    this.summaries = summaries;
    return this.refresh();
  }

  /** Every instance at a (re)connection: which jobs have one with goal start. */
  instances(list: InstanceStatus[]): void {
    this.running.clear();
    for (const i of list) if (i.goal === 'start') this.setRunning(i.job, i.instance, true);
  }

  /** A journal entry: a state change of a job that names a socket may free the socket for watching. */
  entry(e: JournalEntry): void {
    if (e.kind !== 'state') return;
    const was = this.running.get(e.job)?.size ?? 0;
    this.setRunning(e.job, e.instance, e.goal === 'start');
    if ((this.running.get(e.job)?.size ?? 0) !== was && [...this.listeners.values()].some((l) => l.jobs.has(e.job))) void this.refresh();
  }

  private setRunning(job: string, instance: string, on: boolean): void {
    let set = this.running.get(job);
    if (on) {
      if (set === undefined) this.running.set(job, set = new Set());
      set.add(instance);
    } else if (set !== undefined) {
      set.delete(instance);
      if (set.size === 0) this.running.delete(job);
    }
  }

  /** The connection to init is back: what was waiting for it is done now. */
  reconnected(): Promise<void> {
    return this.refresh();
  }

  private wantRetry(): void {
    this.retryWanted = true;
  }

  /** Sockets in force: key, fd name, whether bound and watched (for tests and --debug). */
  current(): { key: string; name: string; bound: boolean; watching: boolean }[] {
    return [...this.listeners.entries()].map(([key, l]) => ({ key, name: l.name, bound: l.fd !== undefined, watching: l.watch !== undefined }));
  }

  /** Brings the sockets in line with the job list and states known (local work only: nothing is asked of init). */
  refresh(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.dirty = true;
      return this.refreshing;
    }
    const run = async (): Promise<void> => {
      do {
        this.dirty = false;
        this.retryWanted = false;
        await this.doRefresh();
      } while (this.dirty && !this.closed);
      this.armRetry();
    };
    this.refreshing = run().finally(() => { this.refreshing = undefined; });
    return this.refreshing;
  }

  /** One timer, only while something waits to be tried again (a socket not bound, a handover that failed). */
  private armRetry(): void {
    if (!this.retryWanted || this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.o.retryMs ?? 2000);
  }

  private async doRefresh(): Promise<void> {
    const summaries = this.summaries;
    if (summaries === undefined || this.closed) return;
    const conds = summaries.flatMap((s) => {
      try {
        return conditionsOf(s).map((condition) => ({ job: s.name, condition }));
      } catch (err) {
        this.o.log('warn', `${s.name}: cannot read its conditions: ${(err as Error).message}`);
        return [];
      }
    });
    const wanted = socketsOf(conds, (job, why) => this.o.log('warn', `${job}: not listening: ${why}`));
    for (const [key, l] of this.listeners) {
      if (wanted.has(key)) continue;
      this.drop(l);
      this.listeners.delete(key);
    }
    for (const [key, w] of wanted) {
      let l = this.listeners.get(key);
      if (l === undefined) {
        l = { spec: w.spec, name: fdName(w.spec), jobs: w.jobs, handedOver: false, settled: true };
        this.listeners.set(key, l);
      }
      l.jobs = w.jobs;
      const busy = [...l.jobs].some((j) => this.running.has(j));
      if (l.fd === undefined) await this.bind(l, busy);
      if (l.fd === undefined) this.wantRetry();
      // The job it started is gone (or never came): connections wait again for the next activation.
      // Not while init is away: a waiting connection would find no one to emit to.
      if (l.fd !== undefined && !busy && l.watch === undefined && l.settled && this.o.daemon.connected) {
        if (l.handedOver) this.o.log('debug', `${key}: no job of it is running: watching again`);
        l.handedOver = false;
        this.watch(l);
      }
    }
  }

  private async bind(l: Listener, busy: boolean): Promise<void> {
    const s = l.spec;
    const key = s.proto === 'unix' ? s.path : `${s.addr}:${s.port}`;
    if (s.proto === 'unix' && !s.path.startsWith('@') && (await answers(s.path))) {
      if (!busy) this.releaseStale(l, true);
      this.o.log('debug', `${key}: another process listens there: not bound (tried again in ${(this.o.retryMs ?? 2000) / 1000} s)`);
      return;
    }
    try {
      l.fd = this.o.sys.listenSocket(s.proto, s.proto === 'unix' ? s.path : s.addr, s.proto === 'unix' ? 0 : s.port, 128);
      delete l.warnedInUse;
      this.o.log('debug', `listening on ${s.proto} ${key} (${l.name})`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Our own earlier socket, kept in init's store after a restart of this bridge, holds the address: let it go.
      if (code === 'EADDRINUSE' && !busy) {
        this.releaseStale(l, true);
        return;
      }
      this.o.log('warn', `cannot listen on ${s.proto} ${key}: ${(err as Error).message} (tried again in ${(this.o.retryMs ?? 2000) / 1000} s)`);
    }
  }

  /** FDSTOREREMOVE: init drops an fd under this name (one a bridge before this one left there). */
  private releaseStale(l: Listener, restarted = false): void {
    if (restarted && !l.warnedInUse) {
      l.warnedInUse = true;
      this.o.log('warn', `${l.name}: the address is in use: if by the socket a bridge before this one left with init (this one was restarted), connections made while no bridge ran were refused; init is asked to let its copy go, and binding is tried again every ${(this.o.retryMs ?? 2000) / 1000} s`);
    }
    try {
      this.o.sys.sendDgram(this.o.notifySocket, Buffer.from(`FDSTOREREMOVE=1\nFDNAME=${l.name}`), []);
    } catch {
      // init's notify socket is not there: nothing of ours can be in its store
    }
  }

  private watch(l: Listener): void {
    if (l.fd === undefined) return;
    l.watch = this.o.sys.watchReadable(l.fd, (error) => {
      if (error) this.o.log('warn', `${l.name}: poll error`);
      this.activate(l);
    });
  }

  /** A connection waits: stop watching (the job will accept), hand the fd to init, emit the event. */
  private activate(l: Listener): void {
    l.watch?.close();
    delete l.watch;
    if (l.fd === undefined || this.closed) return;
    // init is away (re-executing, restarting): the connection waits in the backlog; watched again once init is back.
    if (!this.o.daemon.connected) {
      this.o.log('debug', `${l.name}: a connection waits, but init is not connected: it waits until init is back`);
      return;
    }
    l.handedOver = true;
    l.settled = false;
    const env = [...eventEnv(l.spec), `LISTEN_FDNAMES=${l.name}`];
    try {
      this.o.sys.sendDgram(this.o.notifySocket, Buffer.from(`FDSTORE=1\nFDNAME=${l.name}`), [l.fd]);
    } catch (err) {
      this.o.log('warn', `cannot hand ${l.name} to init (${this.o.notifySocket}): ${(err as Error).message}; the event is not emitted (tried again in ${(this.o.retryMs ?? 2000) / 1000} s)`);
      l.handedOver = false;
      l.settled = true;
      // Not watched again at once (the waiting connection would wake us again and again): the retry timer does.
      this.retryWanted = true;
      this.armRetry();
      return;
    }
    this.o.log('debug', `emit socket ${env.join(' ')}`);
    // --wait: settled once the jobs it starts are running (or failed), so a refresh before then does not take the socket back.
    this.o.daemon.emit('socket', env, { wait: true }).then(
      () => { l.settled = true; void this.refresh(); },
      (err: Error & { code?: string }) => {
        l.settled = true;
        if (err.code === 'closed') this.o.log('warn', `socket ${env.join(' ')}: the connection to init ended before it was handled; if it was lost, the waiting connection activates again once init is back`);
        else if (err.code !== 'failed') this.o.log('warn', `cannot emit socket ${env.join(' ')}: ${err.message}`);
        else this.o.log('warn', `socket ${env.join(' ')}: a job it started failed: ${err.message}`);
        void this.refresh();
      },
    );
  }

  private drop(l: Listener): void {
    l.watch?.close();
    delete l.watch;
    if (l.fd !== undefined) {
      this.o.sys.closeFd(l.fd);
      delete l.fd;
      this.releaseStale(l);
      if (l.spec.proto === 'unix' && !l.spec.path.startsWith('@')) unlinkQuiet(l.spec.path);
    }
    this.o.log('debug', `${l.name}: no job names it any more: closed`);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const l of this.listeners.values()) {
      l.watch?.close();
      if (l.fd !== undefined) this.o.sys.closeFd(l.fd);
    }
    this.listeners.clear();
  }
}

/** Whether something accepts connections on the Unix socket at `path` now. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

function unlinkQuiet(path: string): void {
  void import('node:fs').then((fs) => fs.promises.unlink(path)).catch(() => undefined);
}
