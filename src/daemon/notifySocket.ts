// $NOTIFY_SOCKET (sd_notify compatible): READY=1 becomes `ready JOB=… INSTANCE=…` (DESIGN §3.6); STATUS, WATCHDOG, MAINPID, STOPPING, RELOADING, EXTEND_TIMEOUT_USEC, FDSTORE.
import { chmodSync, unlinkSync } from 'node:fs';
import { parentOf } from '../process/procStat.ts';

export interface NotifyOwner {
  job: string;
  instance: string;
}

/** How the daemon answers "whose process is this pid": the engine's pids, then the job cgroups, then the parent chain. */
export interface NotifyResolver {
  /** A job process the engine tracks (any slot). */
  byPid(pid: number): NotifyOwner | undefined;
  /** The instance whose cgroup holds the pid (when there are job cgroups). */
  byCgroup?(pid: number): NotifyOwner | undefined;
}

/** The KEY=VALUE lines of one sd_notify datagram (later keys win). */
export function parseNotify(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return m;
}

/**
 * The job a sender belongs to: its own pid, its cgroup, or the nearest ancestor the engine knows
 * (a daemon started by a job's shell). Undefined for a process outside every job, or one that is
 * already gone (its /proc entry is needed).
 */
export function ownerOf(pid: number, r: NotifyResolver, parent: (pid: number) => number | undefined = parentOf): NotifyOwner | undefined {
  const direct = r.byPid(pid) ?? r.byCgroup?.(pid);
  if (direct) return direct;
  let p: number | undefined = pid;
  for (let depth = 0; depth < 32 && p !== undefined && p > 1; depth++) {
    p = parent(p);
    if (p === undefined || p === process.pid) return undefined;
    const o = r.byPid(p);
    if (o) return o;
  }
  return undefined;
}

export interface NotifyListenerOptions {
  path: string;
  resolver: NotifyResolver;
  /** A job's process said READY=1. */
  onReady(owner: NotifyOwner, pid: number): void;
  /** A job's process said STATUS=TEXT (what `initctl status --json` shows as notifyStatus). */
  onStatus?(owner: NotifyOwner, text: string): void;
  /** WATCHDOG=1 (ping), WATCHDOG=trigger, or WATCHDOG_USEC=N (a new interval). */
  onWatchdog?(owner: NotifyOwner, what: { kind: 'ping' } | { kind: 'trigger' } | { kind: 'interval'; usec: number }): void;
  /** STOPPING=1 or RELOADING=1 (READY=1 ends a reload). */
  onState?(owner: NotifyOwner, state: 'stopping' | 'reloading'): void;
  /** EXTEND_TIMEOUT_USEC=N: the readiness wait lasts at least N µs more. */
  onExtendTimeout?(owner: NotifyOwner, usec: number): void;
  /** MAINPID=N from a job's process. */
  onMainPid?(owner: NotifyOwner, pid: number, sender: number): void;
  /** FDSTORE=1 [FDNAME=NAME] with fds (any sender; the callback checks uid), or FDSTOREREMOVE=1 FDNAME=NAME (fds empty). Fds it does not keep it closes. */
  onFdStore?(sender: { pid: number; uid: number }, op: 'store' | 'remove', name: string | undefined, fds: number[]): void;
  /** Closes fds that came with a datagram nobody takes. */
  closeFd?(fd: number): void;
  log(level: 'debug' | 'warn', msg: string): void;
  /** The addon's datagram socket (injected for tests): bound to a path, or (after a re-exec) adopted from an fd. */
  open(path: string | number, cb: (data: Buffer, sender: { pid: number; uid?: number; fds?: number[] }) => void): { close(): void; ref(on: boolean): void; fd?: number; drain?(): void };
  /** After a re-exec: the socket bound before it, still open (CLOEXEC cleared for the exec). */
  adoptFd?: number;
}

/** Listens on the notify socket until close(); the socket file is made 0666 so jobs running as any user can reach it. */
export class NotifyListener {
  private readonly sock: { close(): void; ref(on: boolean): void; fd?: number; drain?(): void };
  /** Where jobs send (NOTIFY_SOCKET); '@name' is an abstract socket. */
  readonly path: string;

  constructor(private readonly o: NotifyListenerOptions) {
    this.path = o.path;
    if (o.adoptFd !== undefined) {
      this.sock = o.open(o.adoptFd, (data, sender) => this.onDatagram(data, sender));
      this.sock.ref(false);
      return;
    }
    if (!o.path.startsWith('@')) {
      try {
        unlinkSync(o.path);
      } catch {
        // nothing stale there
      }
    }
    this.sock = o.open(o.path, (data, sender) => this.onDatagram(data, sender));
    this.sock.ref(false);
    if (!o.path.startsWith('@')) chmodSync(o.path, 0o666);
  }

  /** The socket's fd (kept across a re-exec), when the socket has one. */
  get fd(): number | undefined {
    return this.sock.fd;
  }

  /** Reads what is queued now (a bridge's FDSTORE=1 that must be seen before the job it is for starts). */
  drain(): void {
    this.sock.drain?.();
  }

  private onDatagram(data: Buffer, sender: { pid: number; uid?: number; fds?: number[] }): void {
    const fds = sender.fds ?? [];
    try {
      this.handle(parseNotify(data.toString('utf8')), sender.pid, sender.uid ?? -1, fds);
    } finally {
      // FDSTORE took what it keeps out of `fds`; the rest are closed (a stray sender cannot leak fds into the daemon).
      for (const f of fds) this.o.closeFd?.(f);
    }
  }

  private handle(fields: Map<string, string>, pid: number, uid: number, fds: number[]): void {
    if (fields.get('FDSTORE') === '1' || fields.get('FDSTOREREMOVE') === '1') {
      const op = fields.get('FDSTORE') === '1' ? 'store' : 'remove';
      if (this.o.onFdStore !== undefined && pid > 0) this.o.onFdStore({ pid, uid }, op, fields.get('FDNAME'), fds.splice(0));
      else this.o.log('warn', `notify socket: FDSTORE from pid ${pid} ignored`);
    }
    const ready = fields.get('READY') === '1';
    const status = fields.get('STATUS');
    const watchdog = fields.get('WATCHDOG');
    const wdUsec = fields.get('WATCHDOG_USEC');
    const extend = fields.get('EXTEND_TIMEOUT_USEC');
    const mainPid = fields.get('MAINPID');
    const stopping = fields.get('STOPPING') === '1';
    const reloading = fields.get('RELOADING') === '1';
    const what = [ready && 'READY=1', status !== undefined && 'STATUS=', watchdog !== undefined && `WATCHDOG=${watchdog}`, wdUsec !== undefined && 'WATCHDOG_USEC=',
      extend !== undefined && 'EXTEND_TIMEOUT_USEC=', mainPid !== undefined && 'MAINPID=', stopping && 'STOPPING=1', reloading && 'RELOADING=1'].filter(Boolean).join(' ');
    if (what === '') return; // nothing the daemon acts on (ERRNO=, BUSERROR=, ...)
    if (pid <= 0) {
      this.o.log('warn', `notify socket: ${what} without sender credentials, ignored`);
      return;
    }
    const owner = ownerOf(pid, this.o.resolver);
    if (owner === undefined) {
      this.o.log('warn', `notify socket: ${what} from pid ${pid}, which is not a job's process (or is already gone), ignored`);
      return;
    }
    if (status !== undefined) this.o.onStatus?.(owner, status);
    if (mainPid !== undefined) {
      const n = Number(mainPid);
      if (Number.isInteger(n) && n > 1) this.o.onMainPid?.(owner, n, pid);
      else this.o.log('warn', `notify socket: bad MAINPID=${mainPid} from pid ${pid}, ignored`);
    }
    if (stopping) this.o.onState?.(owner, 'stopping');
    if (reloading) this.o.onState?.(owner, 'reloading');
    const usec = (v: string | undefined): number | undefined => (v !== undefined && /^[0-9]{1,15}$/.test(v) ? Number(v) : undefined);
    if (extend !== undefined) {
      const n = usec(extend);
      if (n !== undefined) this.o.onExtendTimeout?.(owner, n);
      else this.o.log('warn', `notify socket: bad EXTEND_TIMEOUT_USEC=${extend} from pid ${pid}, ignored`);
    }
    if (wdUsec !== undefined) {
      const n = usec(wdUsec);
      if (n !== undefined && n > 0) this.o.onWatchdog?.(owner, { kind: 'interval', usec: n });
      else this.o.log('warn', `notify socket: bad WATCHDOG_USEC=${wdUsec} from pid ${pid}, ignored`);
    }
    if (watchdog === '1') this.o.onWatchdog?.(owner, { kind: 'ping' });
    else if (watchdog === 'trigger') this.o.onWatchdog?.(owner, { kind: 'trigger' });
    if (ready) this.o.onReady(owner, pid);
  }

  close(): void {
    this.sock.close();
    try {
      unlinkSync(this.o.path);
    } catch {
      // already gone
    }
  }
}
