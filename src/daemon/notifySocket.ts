// $NOTIFY_SOCKET (sd_notify compatible): a job process saying READY=1 becomes the event `ready JOB=… INSTANCE=…` (DESIGN §3.6).
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
  log(level: 'debug' | 'warn', msg: string): void;
  /** The addon's datagram socket (injected for tests): bound to a path, or (after a re-exec) adopted from an fd. */
  open(path: string | number, cb: (data: Buffer, sender: { pid: number }) => void): { close(): void; ref(on: boolean): void; fd?: number };
  /** After a re-exec: the socket bound before it, still open (CLOEXEC cleared for the exec). */
  adoptFd?: number;
}

/** Listens on the notify socket until close(); the socket file is made 0666 so jobs running as any user can reach it. */
export class NotifyListener {
  private readonly sock: { close(): void; ref(on: boolean): void; fd?: number };
  /** Where jobs send (NOTIFY_SOCKET); '@name' is an abstract socket. */
  readonly path: string;

  constructor(private readonly o: NotifyListenerOptions) {
    this.path = o.path;
    if (o.adoptFd !== undefined) {
      this.sock = o.open(o.adoptFd, (data, sender) => this.onDatagram(data, sender.pid));
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
    this.sock = o.open(o.path, (data, sender) => this.onDatagram(data, sender.pid));
    this.sock.ref(false);
    if (!o.path.startsWith('@')) chmodSync(o.path, 0o666);
  }

  /** The socket's fd (kept across a re-exec), when the socket has one. */
  get fd(): number | undefined {
    return this.sock.fd;
  }

  private onDatagram(data: Buffer, pid: number): void {
    const fields = parseNotify(data.toString('utf8'));
    const ready = fields.get('READY') === '1';
    const status = fields.get('STATUS');
    if (!ready && status === undefined) return; // WATCHDOG=, STOPPING=, MAINPID=...: nothing acts on them yet
    const what = ready ? 'READY=1' : 'STATUS=';
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
