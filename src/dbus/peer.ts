// Serving one D-Bus connection: calls answered through UpstartObjects with a per-connection budget, signals sent to it.
import type { Socket } from 'node:net';
import type { Caller } from './caller.ts';
import { DBUS_ERROR, DbusFault } from './errors.ts';
import { encodeMessage, MessageType, type Message } from './message.ts';
import type { UpstartObjects } from './objects.ts';
import type { OutSignal } from './signals.ts';
import { DbusStream } from './stream.ts';
import { closeFd } from '../sys/fds.ts';
import { readStream } from '../sys/socket.ts';

export interface PeerLimits {
  /** Calls of one connection answered at once; past it the socket is not read (a flood waits in its own buffers). */
  maxPending: number;
  /** Replies and signals left unread past which reading pauses. */
  pauseBytes: number;
  /** Unread bytes past which the connection is dropped (a client that never reads its signals). */
  maxUnread: number;
}

export const PRIVILEGED_LIMITS: PeerLimits = { maxPending: 64, pauseBytes: 64 * 1024, maxUnread: 16 * 1024 * 1024 };
/** The unique name this server gives itself on a private connection (GetNameOwner's answer); the client's is :1.1. */
export const PEER_SERVER_NAME = ':1.0';

/** A signal for private connections, marshalled once (each connection writes its own serial in). */
export function signalFrame(s: OutSignal): Buffer {
  // The sender a bus would have stamped (GetNameOwner answers it): gdbus monitor --dest filters on it.
  return encodeMessage({ type: MessageType.Signal, flags: 1, serial: 1, sender: PEER_SERVER_NAME, ...s });
}

export const STRANGER_LIMITS: PeerLimits = { maxPending: 4, pauseBytes: 64 * 1024, maxUnread: 1024 * 1024 };

export interface PeerOptions {
  objects: UpstartObjects;
  /** SO_PEERCRED's uid (undefined: unknown; the client cannot authenticate). */
  uid: number | undefined;
  limits: PeerLimits;
  /** Whether the client may pass fds (NEGOTIATE_UNIX_FD agreed to). */
  fdPassing?: boolean;
  initial?: Buffer;
  log?: (level: 'debug' | 'warn' | 'error', message: string) => void;
  onClose(): void;
}

/** A client on Upstart's private socket: SASL EXTERNAL against its SO_PEERCRED uid, then calls and signals. */
export class DbusPeer {
  readonly stream: DbusStream;
  private pending = 0;
  private readonly caller: Caller;

  constructor(socket: Socket, private readonly o: PeerOptions) {
    this.caller = { uid: o.uid };
    this.stream = new DbusStream(socket, {
      role: { kind: 'server', uid: o.uid },
      // Root and the session's owner may pass fds (EmitEventWithFile, which only they may call): the
      // connection is then read with recvmsg. Others are refused fd passing in the handshake.
      ...(o.fdPassing === true ? { fdPassing: { readStream, closeFd } } : {}),
      onMessage: (m) => this.onMessage(m),
      onBadMessage: (err) => {
        this.o.log?.('debug', `dbus: a bad message from uid ${o.uid ?? 'unknown'}: ${err.message}`);
        const p = err.partial;
        if (p.type === MessageType.MethodCall && p.serial !== undefined && p.serial !== 0) {
          this.stream.replyError({ serial: p.serial, flags: p.flags ?? 0, ...(p.sender !== undefined ? { sender: p.sender } : {}) }, DBUS_ERROR.invalidArgs, `malformed message: ${err.message}`);
        }
      },
      onClose: (why) => {
        if (why !== undefined) this.o.log?.('debug', `dbus: connection of uid ${o.uid ?? 'unknown'} closed: ${why}`);
        o.onClose();
      },
    });
    socket.on('drain', () => this.flow());
    // Fed only now that this.stream is set: a first chunk may hold a whole handshake and calls.
    if (o.initial !== undefined) this.stream.feed(o.initial);
  }

  /** A call is being answered. */
  get busy(): boolean {
    return this.pending > 0;
  }

  get uid(): number | undefined {
    return this.o.uid;
  }

  /**
   * A signal, as signalFrame() encoded it; it reaches a connection once it has authenticated. A peer
   * that leaves too much unread is dropped.
   */
  signal(frame: Buffer): void {
    if (!this.stream.isAuthenticated) return;
    this.stream.sendFrame(frame);
    this.checkUnread();
  }

  close(): void {
    this.stream.close(undefined);
  }

  private checkUnread(): void {
    if (this.stream.unread > this.o.limits.maxUnread) {
      this.o.log?.('warn', `dbus: uid ${this.o.uid ?? 'unknown'} left ${this.stream.unread} bytes unread (limit ${this.o.limits.maxUnread}); disconnecting it`);
      this.stream.close('too much left unread');
    }
  }

  private flow(): void {
    if (this.pending < this.o.limits.maxPending && this.stream.unread <= this.o.limits.pauseBytes) this.stream.release();
    else this.stream.hold();
  }

  /**
   * Clients that take the private socket for a bus (dbus-send and gdbus with --address register with
   * Hello; gdbus monitor adds match rules): answered as a bus would, for their sake. Every signal
   * reaches every connection anyway.
   */
  private busLike(m: Message): boolean {
    switch (m.member) {
      case 'Hello': this.stream.reply(m, 's', [':1.1']); return true;
      case 'AddMatch': case 'RemoveMatch': this.stream.reply(m, '', []); return true;
      case 'GetNameOwner': this.stream.reply(m, 's', [PEER_SERVER_NAME]); return true;
      case 'NameHasOwner': this.stream.reply(m, 'b', [true]); return true;
      default: return false;
    }
  }

  private onMessage(m: Message): void {
    if (m.type !== MessageType.MethodCall) return; // signals and stray replies: nothing for us
    if (m.interface === 'org.freedesktop.DBus' && this.busLike(m)) return;
    this.pending++;
    this.flow();
    // The call owns the fds that came with it (the stream closes what is left in m.fds when this returns).
    const fds = m.fds !== undefined && m.fds.length > 0 ? { fds: m.fds.splice(0) } : {};
    this.o.objects.call({ path: m.path!, ...(m.interface !== undefined ? { interface: m.interface } : {}), member: m.member!, signature: m.signature, body: m.body, ...fds }, this.caller)
      .then((out) => this.stream.reply(m, out.signature, out.body))
      .catch((err: unknown) => {
        const f = err instanceof DbusFault ? err : new DbusFault(DBUS_ERROR.failed, String(err));
        this.stream.replyError(m, f.errorName, f.message);
      })
      .finally(() => {
        for (const f of fds.fds?.splice(0) ?? []) closeFd(f);
        this.pending--;
        this.checkUnread();
        this.flow();
      });
  }
}
