// The D-Bus bridge: every signal on a bus becomes a `dbus` event (dbus-event(7)) emitted over the control socket.
import { leaves } from '../model/condition.ts';
import { BUS_NAME, BUS_PATH, connectBus, type BusConnection } from '../dbus/busClient.ts';
import { MessageType, type Message } from '../dbus/message.ts';
import type { DbusValue } from '../dbus/wire.ts';
import type { ConfigSummary } from '../control/protocol.ts';
import { conditionsOf, type BridgeDaemon } from './fileBridge.ts';

const UPSTART_NAME = 'com.ubuntu.Upstart';
/** Signals waiting to be emitted past which new ones are dropped (and counted). */
const MAX_QUEUED = 1024;
const LOSS_REPORT_MS = 10_000;

export interface DbusBridgeOptions {
  daemon: BridgeDaemon;
  /** The bus to watch (system or session bus address). */
  address: string;
  uid: number;
  /** --always: emit for every signal, whether or not a job waits for `dbus`. */
  always: boolean;
  /** --bus-name NAME: BUS=NAME on every event. */
  busName?: string;
  log(level: 'debug' | 'warn', msg: string): void;
}

/**
 * A signal's event environment: SIGNAL, INTERFACE, OBJPATH, SENDER, DESTINATION (when addressed),
 * BUS (with --bus-name), then ARGn for each argument of a simple type (strings, paths, numbers,
 * booleans as true/false); arguments of other types are skipped but keep their number.
 * OBJPATH, not PATH: an event's variables reach the jobs it starts, where PATH is the search path.
 */
export function signalEnv(m: Message, busName?: string): string[] {
  const env = [`SIGNAL=${m.member ?? ''}`, `INTERFACE=${m.interface ?? ''}`, `OBJPATH=${m.path ?? ''}`, `SENDER=${m.sender ?? ''}`];
  if (m.destination !== undefined) env.push(`DESTINATION=${m.destination}`);
  if (busName !== undefined) env.push(`BUS=${busName}`);
  m.body.forEach((v: DbusValue, i) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') env.push(`ARG${i}=${String(v)}`);
    else if (typeof v === 'boolean') env.push(`ARG${i}=${v ? 'true' : 'false'}`);
  });
  return env;
}

export class DbusBridge {
  private bus: BusConnection | undefined;
  private upstartOwner: string | undefined;
  private wanted = false;
  private closed = false;
  private readonly queue: string[][] = [];
  private sending = false;
  private lost = 0;
  private lostReported = 0;
  private closedResolve!: (why: string) => void;
  /** Resolves with the reason once the bus connection is gone. */
  readonly gone = new Promise<string>((r) => { this.closedResolve = r; });

  constructor(private readonly o: DbusBridgeOptions) {}

  /** Connects to the bus and subscribes to every signal (the job list comes in through update). Rejects if the bus cannot be joined. */
  async start(): Promise<void> {
    if (this.o.always) this.wanted = true;
    this.bus = await connectBus(this.o.address, this.o.uid, (m) => this.onMessage(m), (why) => this.closedResolve(why ?? 'the bus closed the connection'));
    const call = (member: string, signature: string, body: DbusValue[]) => this.bus!.stream.call({ destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member, signature, body });
    await call('AddMatch', 's', ["type='signal'"]);
    try {
      this.upstartOwner = (await call('GetNameOwner', 's', [UPSTART_NAME]))[0] as string;
    } catch {
      // Upstart is not on this bus (a session bus, or a system init that has not joined yet).
    }
    this.o.log('debug', `watching signals on ${this.o.address} as ${this.bus.name}`);
  }

  /** The job list (watch-config): whether some job's start on / stop on waits for a `dbus` event (always true with --always). */
  update(summaries: ConfigSummary[]): void {
    if (this.o.always) {
      this.wanted = true;
      return;
    }
    this.wanted = summaries.some((s) => {
      try {
        return conditionsOf(s).some((c) => [...leaves(c)].some((l) => l.name === 'dbus'));
      } catch {
        return false;
      }
    });
  }

  private onMessage(m: Message): void {
    if (m.type !== MessageType.Signal) return;
    if (m.sender === BUS_NAME && m.member === 'NameOwnerChanged' && m.body[0] === UPSTART_NAME) this.upstartOwner = (m.body[2] as string) || undefined;
    // upstart-dbus-bridge(8): signals Upstart itself sends are not turned into events.
    if (this.upstartOwner !== undefined && m.sender === this.upstartOwner) return;
    if (m.interface?.startsWith('com.ubuntu.Upstart0_6') === true) return;
    // A well-known name getting an owner is always told (readiness: `expect dbus SIGNAL=NameOwnerChanged ARG0=NAME`,
    // which show-config does not show); unique names (:1.N) coming and going are not.
    const nameOwned = m.sender === BUS_NAME && m.member === 'NameOwnerChanged' && typeof m.body[0] === 'string'
      && !m.body[0].startsWith(':') && m.body[2] !== '';
    if (!this.wanted && !nameOwned) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.lost++;
      this.reportLoss(`signals came faster than init took the events (${MAX_QUEUED} waiting)`);
      return;
    }
    this.queue.push(signalEnv(m, this.o.busName));
    void this.pump();
  }

  private reportLoss(why: string): void {
    const now = Date.now();
    if (now - this.lostReported < LOSS_REPORT_MS) return;
    this.lostReported = now;
    this.o.log('warn', `${this.lost} dbus event(s) lost so far: ${why}`);
  }

  /** One emit at a time, in order: init sees the signals in the order the bus sent them. */
  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const env = this.queue.shift()!;
        if (!this.o.daemon.connected) {
          // Not kept for later: init may be gone for good, and a late event would be a lie about when it happened.
          this.lost++;
          this.reportLoss(`init is not connected (re-executing or restarting)`);
          continue;
        }
        this.o.log('debug', `emit dbus ${env.join(' ')}`);
        try {
          await this.o.daemon.emit('dbus', env, { wait: false });
        } catch (err) {
          this.o.log('warn', `cannot emit dbus ${env.join(' ')}: ${(err as Error).message} (the event is lost)`);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  close(): void {
    this.closed = true;
    this.bus?.stream.close(undefined);
  }
}
