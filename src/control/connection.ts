// One control connection: framing, handshake, timers, requests read only while the client keeps up with its replies.
import type { Socket } from 'node:net';
import { EngineError, type EngineApi } from '../model/engineApi.ts';
import type { ConnectionLimits, Member } from './admission.ts';
import { denialFor, peerDenials, type PeerDenials } from './auth.ts';
import { decodeHello, decodeRequest, encodeLine } from './codec.ts';
import { runCommand } from './commands/index.ts';
import { answer } from './handlers/index.ts';
import type { DaemonHooks } from './hooks.ts';
import { LineBuffer } from './lineBuffer.ts';
import { ENDLESS_TYPES, PROTOCOL_VERSION, type ErrorCode, type Reply, type Request } from './protocol.ts';
import type { PeerCred } from '../sys/socket.ts';

export type { PeerCred } from '../sys/socket.ts';

/** What every connection of one server shares. */
export interface ConnectionConfig {
  engine: EngineApi;
  hooks: DaemonHooks;
  mode: 'system' | 'session';
  ownerUid: number;
  maxLineBytes: number;
  stallTimeoutMs: number;
  limits: ConnectionLimits;
  serverName: string;
  log?: (level: 'debug' | 'warn' | 'error', message: string) => void;
}

/** The server's side of a connection's life: unread-byte accounting and removal. */
export interface ConnectionHost {
  /** The bytes this connection leaves unread changed by delta (daemon-wide budget). */
  unreadChanged(c: Connection, delta: number): void;
  /** Called once, when the connection is gone. */
  closed(c: Connection): void;
}

/**
 * A connection reads a request line only while it has fewer than its share of requests running
 * and fewer than `readPauseBytes` of replies unread; otherwise the socket is paused, so a client
 * that does not read its replies stops being read from (the kernel's buffers push back on it)
 * instead of making the daemon buffer for it. Past its unread budget it is disconnected with one
 * log line. A stranger's (not root, not the owner) idle greeted connection times out.
 */
export class Connection implements Member {
  readonly uid: number;
  private readonly lines: LineBuffer;
  private greeted = false;
  private closed = false;
  private gone = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Running command and subscribe requests, by id, for `cancel` and for clean-up on close. */
  private readonly running = new Map<number, AbortController>();
  /** Requests still being answered; a peer that has half-closed is ended once this reaches 0. */
  private pending = 0;
  private peerEnded = false;
  private corked = false;
  /** Bytes read but not yet split into lines: the socket is paused while any wait, so this is at most a chunk or two. */
  private held: Buffer | undefined;
  private paused = false;
  /** Unread bytes as last reported to the host. */
  private counted = 0;
  /** Unread bytes the budget does not count: answers to requests, and what was sent while the client kept up. */
  private grace = 0;

  constructor(
    private readonly socket: Socket,
    readonly cred: PeerCred | undefined,
    readonly privileged: boolean,
    private readonly o: ConnectionConfig,
    private readonly host: ConnectionHost,
  ) {
    this.uid = cred?.uid ?? -1;
    this.lines = new LineBuffer(o.maxLineBytes);
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

  /** `uid U (pid P)`, for log lines. */
  get who(): string {
    return this.cred === undefined ? 'an unidentified client' : `uid ${this.cred.uid} (pid ${this.cred.pid})`;
  }

  /** Reply bytes queued in the daemon for this client right now. */
  get unread(): number {
    return this.socket.destroyed ? 0 : this.socket.writableLength;
  }

  /** Sets the count the host keeps for this connection to `unread` and returns the change. */
  recount(): number {
    const now = this.gone ? 0 : this.unread;
    const delta = now - this.counted;
    this.counted = now;
    return delta;
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
    const before = this.socket.writableLength;
    this.socket.write(encodeLine(r), () => this.flushed());
    // Answers to requests are few (reading pauses at maxPending) and always allowed; stream items
    // (subscription events, command output) only while the client is keeping up.
    const stream = r.type === 'event' || r.type === 'output' || r.type === 'config';
    if (!stream || before <= this.o.limits.readPauseBytes) this.grace += this.socket.writableLength - before;
    this.host.unreadChanged(this, this.recount());
    if (this.closed) return;
    const limit = this.privileged ? this.o.limits.maxUnreadBytes : this.o.limits.strangerUnreadBytes;
    if (this.unread > limit + this.grace) this.dropSlowReader(`${this.unread} bytes of replies unread, limit ${limit}`);
  }

  /** A write reached the kernel: the budget is recounted and reading may go on. */
  private flushed(): void {
    if (this.gone) return;
    if (this.unread <= this.o.limits.readPauseBytes) this.grace = 0;
    this.host.unreadChanged(this, this.recount());
    if (this.paused) this.pump();
  }

  /** Disconnects a client that is not reading its replies: one log line, whatever is still queued. */
  dropSlowReader(why: string): void {
    if (this.closed) return;
    this.o.log?.('warn', `control: ${this.who} stopped reading its replies (${why}); disconnecting it`);
    this.close();
  }

  /** Closes to make room for root or the session's owner. */
  evict(): void {
    this.o.log?.('warn', `control: closing the newest connection of another user, ${this.who}, to make room for root or the owner`);
    this.reject('busy', 'connection closed: the daemon needed the slot for root or the session owner');
  }

  /** Sends an error with id null and closes: the stream can no longer be trusted. */
  private reject(code: ErrorCode, message: string): void {
    this.send({ type: 'error', id: null, code, message });
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.socket.end();
    // A peer that never reads must not keep the fd: destroy once the error had its chance to leave.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.abortAll();
  }

  private armStallTimer(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.reject('timeout', this.greeted
        ? `request line not finished within ${this.o.stallTimeoutMs} ms`
        : `no handshake within ${this.o.stallTimeoutMs} ms`);
    }, this.o.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private clearTimers(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Stall timer while a line (or the handshake) is unfinished; idle timer for a stranger with nothing going on. */
  private updateTimers(): void {
    if (this.closed) return;
    if (this.lines.pendingBytes > 0 || !this.greeted) {
      if (this.stallTimer === undefined) this.armStallTimer();
    } else if (this.stallTimer !== undefined) {
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    }
    // A stranger that is idle, or whose requests wait because it does not read its replies, gets
    // idleTimeoutMs; then the first is told and closed, the second dropped as a slow reader.
    const idle = !this.privileged && this.greeted && this.pending === 0 && this.running.size === 0
      && this.held === undefined && this.lines.pendingBytes === 0;
    const parked = !this.privileged && this.paused;
    if (!idle && !parked) {
      if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    } else if (this.idleTimer === undefined) {
      const ms = this.o.limits.idleTimeoutMs;
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.paused) this.dropSlowReader(`its requests waited ${ms} ms for it to read ${this.unread} bytes of replies`);
        else this.reject('timeout', `idle for ${ms} ms: connections of other users that are not subscribed to anything are closed`);
      }, ms);
      this.idleTimer.unref();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.held = this.held === undefined ? chunk : Buffer.concat([this.held, chunk]);
    this.pump();
  }

  /**
   * Handles held lines one at a time while this client keeps up; pauses reading while it does not.
   * Lines are cut from the held bytes only when they are handled, so a client that piles up
   * thousands of requests costs the bytes it sent, not a string per request.
   */
  private pump(): void {
    const l = this.o.limits;
    const maxPending = this.privileged ? l.maxPendingRequests : l.strangerPendingRequests;
    while (!this.closed && this.held !== undefined) {
      if (this.pending >= maxPending || this.unread > l.readPauseBytes) break;
      const nl = this.held.indexOf(0x0a);
      const piece = nl === -1 ? this.held : this.held.subarray(0, nl + 1);
      this.held = nl === -1 || nl + 1 === this.held.length ? undefined : this.held.subarray(nl + 1);
      const r = this.lines.push(piece);
      if (r.overflow) return this.reject('too-long', `request line longer than ${this.o.maxLineBytes} bytes`);
      for (const line of r.lines) {
        if (this.closed) return;
        this.onLine(line);
      }
    }
    if (this.closed) return;
    if (this.held !== undefined) {
      if (!this.paused) {
        this.paused = true;
        this.socket.pause();
      }
    } else if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    this.updateTimers();
  }

  private onLine(line: string): void {
    if (!this.greeted) {
      const h = decodeHello(line);
      if (!h.ok) return this.reject(h.code, h.message);
      this.greeted = true;
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
        this.pump();
        this.endIfIdle();
      });
  }

  /** A request is being answered, or one (or the handshake) is on its way in: a re-exec waits a little for it. */
  get busy(): boolean {
    return this.pending > 0 || this.lines.pendingBytes > 0 || !this.greeted;
  }

  private endIfIdle(): void {
    if (this.peerEnded && this.pending === 0 && this.held === undefined && !this.socket.destroyed) {
      this.clearTimers();
      this.socket.end();
    }
  }

  /** What this peer may not do (auth.ts). */
  private get denials(): PeerDenials {
    return peerDenials(this.cred?.uid, this.o.mode, this.o.ownerUid);
  }

  /**
   * One request, in one direction: authorised by the one table (auth.ts), then answered — a
   * `command` by parsing its argv into a Request and printing the result (commands/), any other by
   * its handler (handlers/). Returns once the terminal reply is sent.
   */
  private async handle(r: Request): Promise<void> {
    const peer = this.denials;
    const why = denialFor(r.type, peer);
    if (why !== undefined) return this.send({ type: 'error', id: r.id, code: 'denied', message: why });
    if (r.type === 'cancel') {
      this.running.get(r.target)?.abort();
      this.send({ type: 'result', id: r.id, value: null });
      return;
    }
    const ac = new AbortController();
    this.running.set(r.id, ac);
    const done = (): void => {
      this.running.delete(r.id);
    };
    if (r.type === 'command') {
      try {
        const status = await runCommand(r.argv, {
          engine: this.o.engine,
          hooks: this.o.hooks,
          env: r.env,
          ...peer,
          write: (stream, data) => this.send({ type: 'output', id: r.id, stream, data }),
          signal: ac.signal,
        });
        this.send({ type: 'exit', id: r.id, status });
      } finally {
        done();
      }
      return;
    }
    const answered = answer(r, {
      engine: this.o.engine,
      hooks: this.o.hooks,
      mayChange: peer.denial === undefined,
      signal: ac.signal,
      stream: (entry) => this.send({ type: 'event', id: r.id, entry }),
      streamConfig: (summaries) => this.send({ type: 'config', id: r.id, summaries }),
    }).then(
      (value) => this.send({ type: 'result', id: r.id, value }),
      (err: unknown) => {
        if (err instanceof EngineError) this.send({ type: 'error', id: r.id, code: err.code, message: err.message });
        else throw err;
      },
    ).finally(done);
    if (!ENDLESS_TYPES.has(r.type)) return await answered;
    // A subscription is not pending: it never holds back reading (its `cancel` must get through).
    answered.catch((err: unknown) => {
      this.o.log?.('error', `control: request ${r.type} failed: ${(err as Error)?.stack ?? String(err)}`);
      this.send({ type: 'error', id: r.id, code: 'internal', message: 'internal error; see the daemon log' });
    }).finally(() => {
      this.endIfIdle();
      this.updateTimers();
    });
  }

  private abortAll(): void {
    for (const ac of [...this.running.values()]) ac.abort();
    this.running.clear();
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.clearTimers();
    }
    this.abortAll();
    if (!this.socket.destroyed) this.socket.destroy();
    if (!this.gone) {
      this.gone = true;
      this.held = undefined;
      this.host.unreadChanged(this, this.recount());
      this.host.closed(this);
    }
  }
}
