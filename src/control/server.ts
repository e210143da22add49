// The control server: a Unix stream socket speaking the line protocol, authorising changes by SO_PEERCRED.
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { EngineError, type EngineApi } from '../model/engineApi.ts';
import { runCommand } from './commands/index.ts';
import type { DaemonHooks } from './hooks.ts';
import { LineBuffer } from './lineBuffer.ts';
import {
  decodeHello, decodeRequest, encodeLine, isWriteRequest, MAX_LINE_BYTES, PROTOCOL_VERSION,
  type ErrorCode, type Reply, type Request,
} from './protocol.ts';
import { answerTyped } from './typed.ts';

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

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
  /** Output a slow reader may leave unread before it is disconnected (default 16 MiB). */
  maxUnreadBytes?: number;
  /** Permission bits of the socket file (default 0o666: anyone may connect and read; writes are checked). */
  socketMode?: number;
  /** Where the server reports trouble it survived (default: nowhere). */
  log?: (level: 'debug' | 'warn' | 'error', message: string) => void;
  /** A name for the hello reply (default `upstart-ts`). */
  serverName?: string;
}

/** One client connection: its framing, handshake state, credentials and running requests. */
class Connection {
  private readonly lines: LineBuffer;
  private greeted = false;
  private closed = false;
  private stallTimer: NodeJS.Timeout | undefined;
  /** Running command and subscribe requests, by id, for `cancel` and for clean-up on close. */
  private readonly running = new Map<number, AbortController>();
  private cred: PeerCred | undefined;
  /** Requests still being answered; a peer that has half-closed is ended once this reaches 0. */
  private pending = 0;
  private peerEnded = false;
  private corked = false;

  constructor(
    private readonly socket: Socket,
    private readonly o: Required<Omit<ControlServerOptions, 'log'>> & Pick<ControlServerOptions, 'log'>,
    private readonly onClose: () => void,
  ) {
    this.lines = new LineBuffer(o.maxLineBytes);
    try {
      const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd === 'number' && fd >= 0) this.cred = o.peerCred(fd);
    } catch (err) {
      o.log?.('warn', `control: cannot read the peer's credentials: ${(err as Error).message}`);
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('end', () => {
      // A peer that stopped sending (or died: the two look alike) gets the answers already asked
      // for, but endless ones (subscriptions, `events --follow`) end now.
      this.peerEnded = true;
      this.abortAll();
      this.endIfIdle();
    });
    this.armStallTimer();
  }

  private send(r: Reply): void {
    if (this.closed) return;
    // Replies sent in one turn of the event loop (a command's output and its exit status, a
    // subscription's burst of journal entries while a fan-out is handled) leave in one writev
    // instead of one write(2) each: uncorked once this turn's callbacks and promises are done.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeLine(r));
    if (this.socket.writableLength > this.o.maxUnreadBytes) {
      this.o.log?.('warn', 'control: a client stopped reading its replies; disconnecting it');
      this.socket.destroy();
    }
  }

  /** Sends an error with id null and closes: the stream can no longer be trusted. */
  private reject(code: ErrorCode, message: string): void {
    this.send({ type: 'error', id: null, code, message });
    this.closed = true;
    this.clearStallTimer();
    this.socket.end();
    // A peer that never reads must not keep the fd: destroy once the error had its chance to leave.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.abortAll();
  }

  private armStallTimer(): void {
    this.clearStallTimer();
    this.stallTimer = setTimeout(() => {
      this.reject('timeout', this.greeted
        ? `request line not finished within ${this.o.stallTimeoutMs} ms`
        : `no handshake within ${this.o.stallTimeoutMs} ms`);
    }, this.o.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private clearStallTimer(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    const r = this.lines.push(chunk);
    for (const line of r.lines) {
      if (this.closed) return;
      this.onLine(line);
    }
    if (this.closed) return;
    if (r.overflow) {
      this.reject('too-long', `request line longer than ${this.o.maxLineBytes} bytes`);
      return;
    }
    if (this.lines.pendingBytes > 0 || !this.greeted) {
      if (this.stallTimer === undefined) this.armStallTimer();
    } else {
      this.clearStallTimer();
    }
  }

  private onLine(line: string): void {
    if (!this.greeted) {
      const h = decodeHello(line);
      if (!h.ok) return this.reject(h.code, h.message);
      this.greeted = true;
      this.clearStallTimer();
      this.send({ type: 'hello', version: PROTOCOL_VERSION, server: this.o.serverName });
      return;
    }
    const d = decodeRequest(line);
    if (!d.ok) return this.reject(d.code, d.message);
    this.pending++;
    this.handle(d.value)
      .catch((err: unknown) => {
        this.o.log?.('error', `control: request ${d.value.type} failed: ${(err as Error)?.stack ?? String(err)}`);
        this.send({ type: 'error', id: d.value.id, code: 'internal', message: 'internal error; see the daemon log' });
      })
      .finally(() => {
        this.pending--;
        this.endIfIdle();
      });
  }

  private endIfIdle(): void {
    if (this.peerEnded && this.pending === 0 && !this.socket.destroyed) {
      this.clearStallTimer();
      this.socket.end();
    }
  }

  /** Why this peer may not change anything, or undefined if it may. */
  private denial(): string | undefined {
    const c = this.cred;
    if (c === undefined) return 'Permission denied: cannot identify the caller (SO_PEERCRED failed)';
    if (c.uid === 0) return undefined;
    if (this.o.mode === 'system') {
      return `Permission denied: only root may change the system init (you are uid ${c.uid})`;
    }
    if (c.uid === this.o.ownerUid) return undefined;
    return `Permission denied: only the session's owner (uid ${this.o.ownerUid}) may change this session init (you are uid ${c.uid})`;
  }

  private async handle(r: Request): Promise<void> {
    switch (r.type) {
      case 'command':
        return this.runCommandRequest(r.id, r.argv, r.env);
      case 'subscribe': {
        const ac = new AbortController();
        this.running.set(r.id, ac);
        const unsubscribe = this.o.engine.subscribe((entry) => this.send({ type: 'event', id: r.id, entry }));
        ac.signal.addEventListener('abort', () => {
          unsubscribe();
          this.running.delete(r.id);
          this.send({ type: 'result', id: r.id, value: null });
          this.endIfIdle();
        }, { once: true });
        return;
      }
      case 'cancel':
        this.running.get(r.target)?.abort();
        this.send({ type: 'result', id: r.id, value: null });
        return;
      default: {
        if (isWriteRequest(r)) {
          const why = this.denial();
          if (why !== undefined) return this.send({ type: 'error', id: r.id, code: 'denied', message: why });
        }
        try {
          const value = await answerTyped(r, this.o.engine, this.o.hooks);
          this.send({ type: 'result', id: r.id, value });
        } catch (err) {
          if (err instanceof EngineError) this.send({ type: 'error', id: r.id, code: err.code, message: err.message });
          else throw err;
        }
      }
    }
  }

  private async runCommandRequest(id: number, argv: string[], env: Record<string, string>): Promise<void> {
    const ac = new AbortController();
    this.running.set(id, ac);
    try {
      const status = await runCommand(argv, {
        engine: this.o.engine,
        hooks: this.o.hooks,
        env,
        denial: this.denial(),
        write: (stream, data) => this.send({ type: 'output', id, stream, data }),
        signal: ac.signal,
      });
      this.send({ type: 'exit', id, status });
    } finally {
      this.running.delete(id);
    }
  }

  private abortAll(): void {
    for (const ac of [...this.running.values()]) ac.abort();
    this.running.clear();
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.clearStallTimer();
    }
    this.abortAll();
    if (!this.socket.destroyed) this.socket.destroy();
    this.onClose();
  }
}

/** Listens on the control socket and serves every connection until close(). */
export class ControlServer {
  private server: Server | undefined;
  private readonly conns = new Set<Connection>();
  private readonly o: Required<Omit<ControlServerOptions, 'log'>> & Pick<ControlServerOptions, 'log'>;

  constructor(options: ControlServerOptions) {
    this.o = {
      maxLineBytes: MAX_LINE_BYTES,
      stallTimeoutMs: 10_000,
      maxUnreadBytes: 16 * 1024 * 1024,
      socketMode: 0o666,
      serverName: 'upstart-ts',
      ...options,
    };
  }

  /** Live connections (for tests and `status --json`). */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Starts listening; a stale socket file at the path is replaced. Rejects if the path cannot be bound. */
  async listen(): Promise<void> {
    const abstract = this.o.path.startsWith('\0');
    if (!abstract) {
      try {
        unlinkSync(this.o.path);
      } catch {
        // Nothing there, or not ours to remove: listen() reports the real problem.
      }
    }
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      try {
        const conn: Connection = new Connection(socket, this.o, () => this.conns.delete(conn));
        this.conns.add(conn);
      } catch (err) {
        this.o.log?.('error', `control: dropping a connection: ${(err as Error).message}`);
        socket.destroy();
      }
    });
    server.on('error', (err) => this.o.log?.('error', `control: ${err.message}`));
    server.maxConnections = 4096;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (!abstract) chmodSync(this.o.path, this.o.socketMode);
    this.server = server;
  }

  /** Stops listening, drops every connection and removes the socket file. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of [...this.conns]) c.close();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!this.o.path.startsWith('\0')) {
      try {
        unlinkSync(this.o.path);
      } catch {
        // Already gone.
      }
    }
  }
}
