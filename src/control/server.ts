// The control server: a Unix stream socket speaking the line protocol; admits connections by SO_PEERCRED and budgets them.
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { EngineApi } from '../model/engineApi.ts';
import { AdmissionTable, DEFAULT_LIMITS, type ConnectionLimits, type Member } from './admission.ts';
import { Connection, type ConnectionConfig, type ConnectionHost, type PeerCred } from './connection.ts';
import type { DaemonHooks } from './hooks.ts';
import { encodeLine } from './codec.ts';
import { MAX_LINE_BYTES } from './protocol.ts';

export type { PeerCred } from './connection.ts';
export type { ConnectionLimits } from './admission.ts';

export interface ControlServerOptions {
  /** A filesystem path, or an abstract name written with a leading NUL (`\0name`). */
  path: string;
  engine: EngineApi;
  hooks: DaemonHooks;
  /** system: only uid 0 may change things; session: only ownerUid (and uid 0). */
  mode: 'system' | 'session';
  ownerUid: number;
  /** SO_PEERCRED of a connected socket fd; throws when it cannot be read. */
  peerCred: (fd: number) => PeerCred;
  /** Longest request line in bytes (default MAX_LINE_BYTES = 1 MiB). */
  maxLineBytes?: number;
  /** A line that has begun must end within this many ms, and the handshake must arrive within it (default 10 s). */
  stallTimeoutMs?: number;
  /** Output a slow reader (root or the owner) may leave unread before it is disconnected; same as limits.maxUnreadBytes. */
  maxUnreadBytes?: number;
  /** Connection and unread-reply budgets (DEFAULT_LIMITS for what is not given). */
  limits?: Partial<ConnectionLimits>;
  /** Permission bits of the socket file (default 0o666: anyone may connect and read; writes are checked). */
  socketMode?: number;
  /** Where the server reports trouble it survived (default: nowhere). */
  log?: (level: 'debug' | 'warn' | 'error', message: string) => void;
  /** A name for the hello reply (default `upstart-ts`). */
  serverName?: string;
  /** After a re-exec: the listening socket's fd, still open and bound to `path` (adopted as it is). */
  adoptFd?: number;
  /**
   * D-Bus on the same socket (docs/dbus.md): a connection whose first byte is NUL (every D-Bus client
   * sends one before AUTH) is handed over here; ours start with `{`. Without it, such a client gets the
   * JSON protocol's bad-request error.
   */
  dbus?: DbusAcceptor;
}

export interface DbusAcceptor {
  /** Takes the socket; onClose is called once it is gone (it then leaves the admission table). */
  accept(socket: Socket, uid: number | undefined, first: Buffer, onClose: () => void): unknown;
  /** D-Bus connections with a call being answered (a re-exec waits a little for them, as for ours). */
  busy?(): number;
}

/** What the admission table holds: a JSON connection, or a socket not yet sniffed or served by D-Bus. */
type Admitted = Member & { evict(): void };

/** Refusals of one uid are logged once per this many ms, with a count of the ones in between. */
const REFUSAL_LOG_MS = 10_000;

/** Listens on the control socket and serves every connection until close(). */
export class ControlServer {
  private server: Server | undefined;
  private readonly conns = new Set<Connection>();
  private readonly cfg: ConnectionConfig;
  private readonly admission: AdmissionTable<Admitted>;
  private readonly host: ConnectionHost;
  private unreadTotal = 0;
  private readonly refusals = new Map<number, { at: number; more: number }>();
  /** Accepted sockets whose first byte (which protocol) has not come yet. */
  private readonly sniffing = new Set<Socket>();

  constructor(private readonly options: ControlServerOptions) {
    const limits: ConnectionLimits = {
      ...DEFAULT_LIMITS,
      ...(options.maxUnreadBytes !== undefined ? { maxUnreadBytes: options.maxUnreadBytes } : {}),
      ...options.limits,
    };
    this.cfg = {
      engine: options.engine,
      hooks: options.hooks,
      mode: options.mode,
      ownerUid: options.ownerUid,
      maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES,
      stallTimeoutMs: options.stallTimeoutMs ?? 10_000,
      limits,
      serverName: options.serverName ?? 'upstart-ts',
      ...(options.log !== undefined ? { log: options.log } : {}),
    };
    this.admission = new AdmissionTable(limits);
    this.host = {
      unreadChanged: (c, delta) => this.unreadChanged(c, delta),
      closed: (c) => {
        this.conns.delete(c);
        this.admission.remove(c);
      },
    };
  }

  /** Live connections (for tests and `status --json`). */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Connections with a request being answered or on its way in (a re-exec waits a little for them). */
  get busyConnections(): number {
    // A connection whose first byte is not read yet has a request (or the handshake) on its way.
    let n = this.sniffing.size + (this.options.dbus?.busy?.() ?? 0);
    for (const c of this.conns) if (c.busy) n++;
    return n;
  }

  /** Reply bytes queued for all clients together, as last counted. */
  get unreadBytes(): number {
    return this.unreadTotal;
  }

  /** Starts listening; a stale socket file at the path is replaced. Rejects if the path cannot be bound. */
  async listen(): Promise<void> {
    const abstract = this.options.path.startsWith('\0');
    const adopt = this.options.adoptFd;
    if (!abstract && adopt === undefined) {
      try {
        unlinkSync(this.options.path);
      } catch {
        // Nothing there, or not ours to remove: listen() reports the real problem.
      }
    }
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      try {
        this.accept(socket);
      } catch (err) {
        this.cfg.log?.('error', `control: dropping a connection: ${(err as Error).message}`);
        socket.destroy();
      }
    });
    server.on('error', (err) => this.cfg.log?.('error', `control: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.off('error', reject);
        resolve();
      };
      if (adopt !== undefined) server.listen({ fd: adopt }, done);
      else server.listen(this.options.path, done);
    });
    if (!abstract && adopt === undefined) chmodSync(this.options.path, this.options.socketMode ?? 0o666);
    this.server = server;
  }

  /** The listening socket's fd (kept across a re-exec). */
  get fd(): number | undefined {
    const fd = (this.server as unknown as { _handle?: { fd?: number } } | undefined)?._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  }

  private accept(socket: Socket): void {
    let cred: PeerCred | undefined;
    try {
      const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd === 'number' && fd >= 0) cred = this.options.peerCred(fd);
    } catch (err) {
      this.cfg.log?.('warn', `control: cannot read the peer's credentials: ${(err as Error).message}`);
    }
    const uid = cred?.uid ?? -1;
    const privileged = cred !== undefined && (uid === 0 || (this.cfg.mode === 'session' && uid === this.cfg.ownerUid));
    const verdict = this.admission.admit({ uid, privileged });
    if (!verdict.ok) {
      this.refuse(socket, uid, verdict.message);
      return;
    }
    verdict.evict?.evict();
    const dbus = this.options.dbus;
    if (dbus === undefined) {
      this.serveJson(socket, cred, privileged);
      return;
    }
    // Which protocol: the first byte says (NUL: D-Bus; anything else: ours). Counted meanwhile.
    const held: Admitted = { uid, privileged, evict: () => socket.destroy() };
    this.admission.add(held);
    this.sniffing.add(socket);
    // Silent for the whole handshake time: the JSON protocol's timeout error (a D-Bus client never stays silent).
    const timer = setTimeout(() => {
      socket.end(encodeLine({ type: 'error', id: null, code: 'timeout', message: `no handshake within ${this.cfg.stallTimeoutMs} ms` }));
      setTimeout(() => socket.destroy(), 1000).unref();
    }, this.cfg.stallTimeoutMs);
    timer.unref();
    const gone = (): void => {
      clearTimeout(timer);
      this.sniffing.delete(socket);
      this.admission.remove(held);
    };
    socket.once('close', gone);
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.off('close', gone);
      gone();
      if (first[0] === 0) {
        this.admission.add(held);
        dbus.accept(socket, cred?.uid, first, () => this.admission.remove(held));
      } else {
        socket.unshift(first);
        this.serveJson(socket, cred, privileged);
      }
      socket.resume();
    });
  }

  private serveJson(socket: Socket, cred: PeerCred | undefined, privileged: boolean): void {
    const conn = new Connection(socket, cred, privileged, this.cfg, this.host);
    this.conns.add(conn);
    this.admission.add(conn);
  }

  /** Answers a connection that may not stay with one `busy` error line, and closes it. */
  private refuse(socket: Socket, uid: number, message: string): void {
    socket.on('error', () => undefined);
    socket.end(encodeLine({ type: 'error', id: null, code: 'busy', message }));
    socket.once('finish', () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref();
    const now = Date.now();
    const r = this.refusals.get(uid);
    if (r !== undefined && now - r.at < REFUSAL_LOG_MS) {
      r.more++;
      return;
    }
    const more = r === undefined || r.more === 0 ? '' : ` (${r.more} more refused since the last report)`;
    this.refusals.set(uid, { at: now, more: 0 });
    this.cfg.log?.('warn', `control: refusing a connection of uid ${uid}: ${message}${more}`);
  }

  /** Daemon-wide budget: past it, the stranger with the most unread replies (else anyone's worst) is dropped. */
  private unreadChanged(_c: Connection, delta: number): void {
    this.unreadTotal += delta;
    if (delta <= 0 || this.unreadTotal <= this.cfg.limits.totalUnreadBytes) return;
    let total = 0;
    let worst: Connection | undefined;
    let worstStranger: Connection | undefined;
    for (const k of this.conns) {
      k.recount();
      const n = k.unread;
      total += n;
      if (worst === undefined || n > worst.unread) worst = k;
      if (!k.privileged && n > 0 && (worstStranger === undefined || n > worstStranger.unread)) worstStranger = k;
    }
    this.unreadTotal = total;
    if (total <= this.cfg.limits.totalUnreadBytes) return;
    const victim = worstStranger ?? worst;
    victim?.dropSlowReader(`${victim.unread} bytes unread while all clients together have ${total}, limit ${this.cfg.limits.totalUnreadBytes}`);
  }

  /** Stops listening, drops every connection and removes the socket file. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of [...this.conns]) c.close();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!this.options.path.startsWith('\0')) {
      try {
        unlinkSync(this.options.path);
      } catch {
        // Already gone.
      }
    }
  }
}
