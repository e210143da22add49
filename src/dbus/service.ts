// The daemon's D-Bus side: private-socket peers and bus connections served by one object tree, signals fanned out to all.
import type { Socket } from 'node:net';
import type { DaemonHooks } from '../control/hooks.ts';
import type { EngineApi } from '../model/engineApi.ts';
import { isPrivileged, type AuthContext } from './caller.ts';
import { BUS_NAME, BUS_PATH, connectBus, type BusConnection } from './busClient.ts';
import { DBUS_ERROR, DbusFault } from './errors.ts';
import { MessageType, type Message } from './message.ts';
import { IFACE_MANAGER } from './interfaces.ts';
import { UpstartObjects } from './objects.ts';
import { UPSTART_PATH } from './paths.ts';
import { DbusPeer, PRIVILEGED_LIMITS, signalFrame, STRANGER_LIMITS } from './peer.ts';
import { SignalSource, type OutSignal } from './signals.ts';

/** The well-known name Upstart owns on a bus. */
export const UPSTART_BUS_NAME = 'com.ubuntu.Upstart';

export interface DbusServiceOptions extends AuthContext {
  engine: EngineApi;
  hooks: DaemonHooks;
  /** Our own uid, to authenticate to a bus. */
  uid: number;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export class DbusService {
  private readonly objects: UpstartObjects;
  private readonly peers = new Set<DbusPeer>();
  private readonly source: SignalSource;
  private readonly unsubscribe: () => void;
  private bus: { address: string; conn: BusConnection } | undefined;

  constructor(private readonly o: DbusServiceOptions) {
    this.objects = new UpstartObjects(o);
    this.source = new SignalSource((s) => this.fanOut(s), o.engine.classes().map((c) => c.name), () => this.peers.size > 0 || this.bus !== undefined);
    this.unsubscribe = o.engine.subscribe((e) => this.source.entry(e));
  }

  /** Private-socket connections with a call being answered. */
  busy(): number {
    let n = 0;
    for (const p of this.peers) if (p.busy) n++;
    return n;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Takes a connection whose first byte was NUL (a D-Bus client) from the control listener. */
  accept(socket: Socket, uid: number | undefined, first: Buffer, onClose: () => void): DbusPeer {
    const privileged = isPrivileged({ uid }, this.o);
    const peer: DbusPeer = new DbusPeer(socket, {
      objects: this.objects,
      uid,
      limits: privileged ? PRIVILEGED_LIMITS : STRANGER_LIMITS,
      fdPassing: privileged,
      initial: first,
      ...(this.o.log !== undefined ? { log: this.o.log } : {}),
      onClose: () => {
        this.peers.delete(peer);
        onClose();
      },
    });
    this.peers.add(peer);
    return peer;
  }

  /** The job classes changed (a load or a conf-dir change): JobAdded / JobRemoved. */
  classesChanged(): void {
    this.source.classesChanged(this.o.engine.classes().map((c) => c.name));
  }

  /** Upstart's `Restarted` (com.ubuntu.Upstart0_6): after a re-exec, once the new image is back on its bus. */
  restarted(): void {
    this.fanOut({ path: UPSTART_PATH, interface: IFACE_MANAGER, member: 'Restarted', signature: '', body: [] });
  }

  private fanOut(s: OutSignal): void {
    if (this.peers.size > 0) {
      const frame = signalFrame(s);
      for (const p of this.peers) p.signal(frame);
    }
    const bus = this.bus?.conn.stream;
    if (bus !== undefined && !bus.isClosed) bus.send({ type: MessageType.Signal, flags: 1, ...s });
  }

  /**
   * Connects to a message bus and owns com.ubuntu.Upstart there (notify-dbus-address, or the system
   * bus); calls from the bus are authorised by the uid the bus says each sender has. Replaces any bus
   * connection there was. Rejects when the bus cannot be reached or the name is taken. `waitMs`
   * (joining again after a re-exec): the name may still be held by the old image's connection
   * until the bus has seen it close, so wait in the bus's queue that long for NameAcquired.
   */
  async connectBus(address: string, o: { waitMs?: number } = {}): Promise<void> {
    this.disconnectBus();
    // Messages may come before connectBus resolves (NameAcquired follows Hello's reply at once).
    const ref: { conn?: BusConnection } = {};
    let acquired = false;
    let onAcquired: (() => void) | undefined;
    let onLost: (() => void) | undefined;
    const conn = await connectBus(address, this.o.uid, (m) => {
      if (m.type === MessageType.Signal && m.member === 'NameAcquired' && m.sender === BUS_NAME && m.body[0] === UPSTART_BUS_NAME) {
        acquired = true;
        onAcquired?.();
      }
      if (ref.conn !== undefined) this.onBusMessage(ref.conn, m);
    }, (why) => {
      onLost?.();
      if (this.bus !== undefined && this.bus.conn === ref.conn) this.bus = undefined;
      this.o.log?.('warn', `dbus: lost the bus ${address}${why ? `: ${why}` : ''}`);
    });
    ref.conn = conn;
    // RequestName flags: DO_NOT_QUEUE (4), or none to wait in the queue. Replies: 1 primary owner, 2 queued, 4 already owner; others: taken.
    const queue = o.waitMs !== undefined && o.waitMs > 0;
    const [reply] = await conn.stream.call({ destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'RequestName', signature: 'su', body: [UPSTART_BUS_NAME, queue ? 0 : 4] });
    if (reply === 2 && queue && !acquired) {
      const got = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), o.waitMs);
        onAcquired = () => { clearTimeout(t); resolve(true); };
        onLost = () => { clearTimeout(t); resolve(false); };
      });
      if (!got) {
        conn.stream.close(undefined);
        throw new Error(`${UPSTART_BUS_NAME} is still owned by another connection on ${address} after ${o.waitMs} ms`);
      }
    } else if (reply !== 1 && reply !== 4 && !(reply === 2 && acquired)) {
      conn.stream.close(undefined);
      throw new Error(`${UPSTART_BUS_NAME} is owned by another connection on ${address}`);
    }
    this.bus = { address, conn };
    this.o.log?.('info', `dbus: ${UPSTART_BUS_NAME} on the bus ${address} (as ${conn.name})`);
  }

  disconnectBus(): void {
    const b = this.bus;
    this.bus = undefined;
    b?.conn.stream.close(undefined);
  }

  get busAddress(): string | undefined {
    return this.bus?.address;
  }

  private onBusMessage(conn: BusConnection, m: Message): void {
    if (m.type !== MessageType.MethodCall || m.sender === undefined) return;
    const stream = conn.stream;
    void (async () => {
      try {
        const [uid] = await stream.call({ destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'GetConnectionUnixUser', signature: 's', body: [m.sender!] });
        const out = await this.objects.call({ path: m.path!, ...(m.interface !== undefined ? { interface: m.interface } : {}), member: m.member!, signature: m.signature, body: m.body }, { uid: uid as number });
        stream.reply(m, out.signature, out.body);
      } catch (err) {
        const f = err instanceof DbusFault ? err : new DbusFault(DBUS_ERROR.failed, (err as Error).message);
        stream.replyError(m, f.errorName, f.message);
      }
    })();
  }

  close(): void {
    this.unsubscribe();
    this.disconnectBus();
    for (const p of [...this.peers]) p.close();
  }
}
