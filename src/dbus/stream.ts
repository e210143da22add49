// One D-Bus connection over a stream socket: authentication, then framed messages in and out, with serials and replies.
import type { Socket } from 'node:net';
import type { StreamCallback, StreamReader } from '../sys/socket.ts';
import { decodeMessage, encodeMessage, frameLength, MessageError, MessageType, type Message } from './message.ts';
import { SaslClient, SaslServer } from './sasl.ts';
import { WireError, type DbusValue } from './wire.ts';

/** A D-Bus error reply received for a call. */
export class DbusCallError extends Error {
  constructor(readonly errorName: string, message: string) {
    super(message);
  }
}

export interface DbusStreamOptions {
  /** server: answer SASL (peer's uid from SO_PEERCRED); client: authenticate as uid. */
  role: { kind: 'server'; uid: number | undefined } | { kind: 'client'; uid: number };
  /** Every message that is not a reply to a call of ours. */
  onMessage(m: Message): void;
  /** A message whose header or body is not valid but whose frame is: answered here with an error if it was a call. */
  onBadMessage?(err: MessageError): void;
  /** Called once when the connection ends; why: undefined for a clean close. */
  onClose(why: string | undefined): void;
  /** Bytes already read from the socket (the sniffed first chunk). */
  initial?: Buffer;
  /**
   * Server: fd passing. NEGOTIATE_UNIX_FD is agreed to, and from then on the socket is read by
   * readStream (recvmsg on a dup of its fd) instead of the net.Socket, which only writes.
   */
  fdPassing?: { readStream(fd: number, cb: StreamCallback): StreamReader; closeFd(fd: number): void };
}

const MAX_SASL_LINE = 16 * 1024;
/** Authentication must be done within this long after connecting. */
const SASL_TIMEOUT_MS = 10_000;
const CALL_TIMEOUT_MS = 25_000;
/** fds received ahead of the messages that claim them (a message's come with its first bytes): past this, the connection is dropped. */
const MAX_QUEUED_FDS = 64;

/**
 * Messages are handed to onMessage one at a time; the socket is paused while `hold()` says so
 * (the dispatcher's per-connection budget), so a client that floods calls waits in its own kernel buffer.
 */
export class DbusStream {
  private buf: Buffer = Buffer.alloc(0);
  private authed = false;
  private closed = false;
  private serial = 0;
  private readonly server: SaslServer | undefined;
  private readonly client: SaslClient | undefined;
  private readonly calls = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private saslTimer: NodeJS.Timeout | undefined;
  private held = false;
  private corked = false;
  /** Reading the socket with recvmsg (after AGREE_UNIX_FD); the net.Socket no longer reads. */
  private reader: StreamReader | undefined;
  /** fds received and not yet matched to a message (a message's come with its bytes). */
  private fdQueue: number[] = [];
  private readonly onSocketData = (chunk: Buffer): void => this.onData(chunk);
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  /** Resolves once authentication is done (both roles). */
  readonly ready = new Promise<void>((res, rej) => { this.readyResolve = res; this.readyReject = rej; });

  constructor(readonly socket: Socket, private readonly o: DbusStreamOptions) {
    this.ready.catch(() => undefined);
    if (o.role.kind === 'server') this.server = new SaslServer(o.role.uid, o.fdPassing !== undefined);
    else this.client = new SaslClient(o.role.uid);
    socket.on('data', this.onSocketData);
    socket.on('error', (err) => this.close(err.message));
    socket.on('close', () => this.close(undefined));
    socket.on('end', () => this.close(undefined));
    this.saslTimer = setTimeout(() => this.close(`not authenticated within ${SASL_TIMEOUT_MS} ms`), SASL_TIMEOUT_MS);
    this.saslTimer.unref();
    if (this.client !== undefined) socket.write(this.client.first());
    if (o.initial !== undefined && o.initial.length > 0) this.onData(o.initial);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** BEGIN was said: messages may flow (nothing may be sent before, or the peer reads it as SASL). */
  get isAuthenticated(): boolean {
    return this.authed && !this.closed;
  }

  /** Bytes queued for the peer and not yet taken by the kernel. */
  get unread(): number {
    return this.socket.destroyed ? 0 : this.socket.writableLength;
  }

  /** Bytes read elsewhere (the listener's sniffed first chunk), taken as if read here. */
  feed(chunk: Buffer): void {
    this.onData(chunk);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.drain();
  }

  /** Stops reading messages (until release()); bytes wait in the kernel's buffers. */
  hold(): void {
    if (this.held) return;
    this.held = true;
    if (this.reader !== undefined) this.reader.hold(true);
    else this.socket.pause();
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.reader !== undefined) this.reader.hold(false);
    else this.socket.resume();
    setImmediate(() => this.drain());
  }

  /**
   * After AGREE_UNIX_FD (decided while the client waits for that answer, so it has sent nothing
   * since): the net.Socket stops reading, synchronously, before the event loop could read again;
   * what it had read and not handed out yet joins our buffer after what we hold (same order as on
   * the wire), and readStream reads the rest with recvmsg, so bytes that carry fds are never read
   * by a plain read() (which would drop the fds). The net.Socket goes on writing. False when the
   * socket has no fd to read (then fd passing is refused).
   */
  private readWithRecvmsg(): boolean {
    const fp = this.o.fdPassing;
    const handle = (this.socket as unknown as { _handle?: { fd?: number; reading?: boolean; readStop?: () => number } })._handle;
    if (fp === undefined || handle === undefined || typeof handle.fd !== 'number' || handle.fd < 0 || typeof handle.readStop !== 'function') return false;
    this.socket.off('data', this.onSocketData);
    // Node would start reading again whenever its stream wants data: it must not, ever.
    (this.socket as unknown as { _read: () => void })._read = () => undefined;
    handle.readStop();
    handle.reading = false;
    const had: Buffer[] = [];
    for (let c: Buffer | null; this.socket.readableLength > 0 && (c = this.socket.read() as Buffer | null) !== null;) had.push(c);
    if (had.length > 0) this.buf = Buffer.concat([this.buf, ...had]);
    try {
      this.reader = fp.readStream(handle.fd, (data, info) => this.onRecv(data, info));
    } catch (err) {
      this.close(`cannot read the connection with recvmsg: ${(err as Error).message}`);
      return true;
    }
    if (this.held) this.reader.hold(true);
    return true;
  }

  private onRecv(data: Buffer | null, info: { fds?: number[]; truncated?: number; errno?: number }): void {
    if (info.fds !== undefined) {
      if (this.closed) for (const f of info.fds) this.o.fdPassing?.closeFd(f);
      else this.fdQueue.push(...info.fds);
    }
    if (this.closed) return;
    if (this.fdQueue.length > MAX_QUEUED_FDS) return this.close(`more than ${MAX_QUEUED_FDS} file descriptors not claimed by a message`);
    if (info.truncated !== undefined) return this.close('file descriptors were lost (more than 16 with one message)');
    if (data === null) return this.close(info.errno !== undefined ? `read failed (errno ${info.errno})` : undefined);
    this.onData(data);
  }

  private closeFds(fds: number[] | undefined): void {
    if (fds === undefined) return;
    for (const f of fds.splice(0)) this.o.fdPassing?.closeFd(f);
  }

  private drain(): void {
    while (!this.closed && !this.authed) {
      // The server's first byte is the client's NUL (the sniffing listener saw it); skip it.
      if (this.server !== undefined && this.buf[0] === 0) this.buf = this.buf.subarray(1);
      const nl = this.buf.indexOf('\r\n');
      if (nl === -1) {
        if (this.buf.length > MAX_SASL_LINE) this.close('authentication line too long');
        return;
      }
      const line = this.buf.subarray(0, nl).toString('latin1');
      this.buf = this.buf.subarray(nl + 2);
      this.saslLine(line);
    }
    while (!this.closed && this.authed && !this.held) {
      let len: number | undefined;
      try {
        len = frameLength(this.buf);
      } catch (err) {
        return this.close(`broken message frame: ${(err as Error).message}`);
      }
      if (len === undefined || this.buf.length < len) return;
      const frame = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      let m: Message;
      try {
        m = decodeMessage(frame);
      } catch (err) {
        if (err instanceof MessageError) {
          // Which fds were its own cannot be told when its header did not say: the rest would be misread.
          if (err.partial.unixFds === undefined && this.fdQueue.length > 0) return this.close('a malformed message came with file descriptors');
          if (!this.takeFds(err.partial)) return;
          this.closeFds(err.partial.fds);
          this.o.onBadMessage?.(err);
        } else this.close(`undecodable message: ${(err as Error).message}`);
        continue;
      }
      if (!this.takeFds(m)) return;
      this.dispatch(m);
      // fds the handler did not take (splice them out of m.fds to keep them) are closed here.
      this.closeFds(m.fds);
    }
  }

  /** Gives a message the fds its UNIX_FDS says came with it; false (connection closed) when fewer came. */
  private takeFds(m: Partial<Message>): boolean {
    const n = m.unixFds ?? 0;
    if (n === 0) return true;
    if (this.reader === undefined || this.fdQueue.length < n) {
      this.close(`a message says ${n} file descriptors came with it, ${this.reader === undefined ? 'but fd passing was not agreed' : `but ${this.fdQueue.length} did`}`);
      return false;
    }
    m.fds = this.fdQueue.splice(0, n);
    return true;
  }

  private saslLine(line: string): void {
    if (this.server !== undefined) {
      let s = this.server.step(line);
      if (s.unixFds === true && !this.readWithRecvmsg()) s = { reply: 'ERROR this connection cannot take Unix file descriptors' };
      if (s.reply !== undefined) this.socket.write(`${s.reply}\r\n`);
      if (s.close !== undefined) return this.close(s.close);
      if (s.begin === true) this.authenticated();
      return;
    }
    const c = this.client!.step(line);
    if (c.send !== undefined) this.socket.write(c.send);
    if (c.fail !== undefined) return this.close(c.fail);
    if (c.begin === true) this.authenticated();
  }

  private authenticated(): void {
    this.authed = true;
    if (this.saslTimer !== undefined) clearTimeout(this.saslTimer);
    this.saslTimer = undefined;
    this.readyResolve();
  }

  private dispatch(m: Message): void {
    if ((m.type === MessageType.MethodReturn || m.type === MessageType.Error) && m.replySerial !== undefined) {
      const call = this.calls.get(m.replySerial);
      if (call !== undefined) {
        this.calls.delete(m.replySerial);
        if (m.type === MessageType.Error) call.reject(new DbusCallError(m.errorName ?? '', typeof m.body[0] === 'string' ? m.body[0] : m.errorName ?? ''));
        else call.resolve(m);
        return;
      }
    }
    try {
      this.o.onMessage(m);
    } catch (err) {
      // A handler's bug ends this connection, never the process that serves it.
      this.close(`handling a message failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }

  /** Sends a message (its serial is assigned here) and returns the serial; false-y 0 when closed. */
  send(m: Omit<Message, 'serial'>): number {
    if (this.closed) return 0;
    const serial = ++this.serial;
    // Messages of one turn of the event loop (a burst of replies and signals) leave in one writev.
    this.cork();
    this.socket.write(encodeMessage({ ...m, serial }));
    return serial;
  }

  /**
   * Sends a message already encoded (little-endian, as encodeMessage makes it) with this connection's
   * next serial written in: one signal marshalled once for every connection it goes to.
   */
  sendFrame(frame: Buffer): void {
    if (this.closed) return;
    const b = Buffer.from(frame);
    b.writeUInt32LE(++this.serial, 8);
    this.cork();
    this.socket.write(b);
  }

  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  /** A method call; resolves with the reply's body, rejects with DbusCallError for an error reply. */
  call(m: { destination?: string; path: string; interface: string; member: string; signature?: string; body?: DbusValue[] }): Promise<DbusValue[]> {
    return new Promise<Message>((resolve, reject) => {
      if (this.closed) return reject(new Error('the D-Bus connection is closed'));
      const serial = this.send({ type: MessageType.MethodCall, flags: 0, signature: m.signature ?? '', body: m.body ?? [], path: m.path, interface: m.interface, member: m.member, ...(m.destination !== undefined ? { destination: m.destination } : {}) });
      // As libdbus: a call with no answer in 25 s fails with NoReply.
      const timer = setTimeout(() => {
        this.calls.delete(serial);
        reject(new DbusCallError('org.freedesktop.DBus.Error.NoReply', `${m.interface}.${m.member}: no reply within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      timer.unref();
      const done = (): void => clearTimeout(timer);
      this.calls.set(serial, { resolve: (x) => { done(); resolve(x); }, reject: (e) => { done(); reject(e); } });
    }).then((r) => r.body);
  }

  /** Answers a method call (nothing if the caller asked for no reply). */
  reply(to: Message, signature: string, body: DbusValue[]): void {
    if ((to.flags & 1) !== 0) return;
    this.send({ type: MessageType.MethodReturn, flags: 1, replySerial: to.serial, signature, body, ...(to.sender !== undefined ? { destination: to.sender } : {}) });
  }

  replyError(to: Pick<Message, 'serial' | 'flags' | 'sender'>, errorName: string, text: string): void {
    if ((to.flags & 1) !== 0) return;
    this.send({ type: MessageType.Error, flags: 1, replySerial: to.serial, errorName, signature: 's', body: [text], ...(to.sender !== undefined ? { destination: to.sender } : {}) });
  }

  close(why: string | undefined): void {
    if (this.closed) return;
    this.closed = true;
    if (this.saslTimer !== undefined) clearTimeout(this.saslTimer);
    const err = new Error(why ?? 'the D-Bus connection closed');
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
    this.readyReject(err);
    this.reader?.close();
    this.closeFds(this.fdQueue);
    if (!this.socket.destroyed) this.socket.destroy();
    this.o.onClose(why);
  }
}

export { WireError };
