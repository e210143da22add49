// The daemon's D-Bus wiring: the service behind the control socket, Upstart's private address, and the buses it joins.
import { parseSessionAddress } from '../control/address.ts';
import { ControlServer, type ControlServerOptions } from '../control/server.ts';
import { SYSTEM_BUS_ADDRESS } from '../dbus/busClient.ts';
import { DbusService, type DbusServiceOptions } from '../dbus/service.ts';
import { unixStream } from '../sys/socket.ts';
import type { DaemonHooks } from '../control/hooks.ts';
import type { FdStore } from './fdStore.ts';

/** Upstart's private address for the system init (dbus/upstart.h: DBUS_ADDRESS_UPSTART). */
export const UPSTART_PRIVATE_ADDRESS = 'unix:abstract=/com/ubuntu/upstart';

export interface DbusBindingOptions extends DbusServiceOptions {
  /** --dbus-address, or undefined for the mode's default. */
  address?: string;
  /** Which bus to join at start: the system bus (system mode), the session bus (--session), or none. */
  joinBus?: 'system' | 'session';
  /** After a re-exec: the bus the old image had joined (its address), joined again in place of joinBus. */
  rejoin?: string;
  /** This image came from a re-exec: `Restarted` is signalled once it is on its bus again (or at once when it had none). */
  reexeced?: boolean;
  env: Record<string, string | undefined>;
}

/**
 * After a re-exec, how long the new image waits in the bus's queue for com.ubuntu.Upstart: the old
 * image's connection closed at execve, but the bus may not have noticed yet.
 */
const REJOIN_WAIT_MS = 5000;

/**
 * EmitEventWithFile's fds (docs/dbus.md): each kept in the fd store as `dbus-event-N` while its
 * event runs, so the jobs it starts get it as LISTEN_FDS/UPSTART_FDS (fd 3), as the socket bridge's.
 */
export function eventFdHooks(store: FdStore, closeFd: (fd: number) => void): NonNullable<DaemonHooks['eventFd']> {
  let n = 0;
  return {
    keep: (fd) => {
      // A name no fd has now: after a re-exec the store may hold the old image's dbus-event-N (below).
      let name: string;
      do name = `${EVENT_FD_PREFIX}${++n}`; while (store.get(name) !== undefined);
      if (!store.deposit(name, fd)) throw new Error('the fd store is full');
      return name;
    },
    forget: (name) => { store.remove(name); },
    close: closeFd,
  };
}

const EVENT_FD_PREFIX = 'dbus-event-';

/**
 * After a re-exec: the EmitEventWithFile fds the old image still held (their events had not
 * finished) go when their event finishes in this image, as they would have there; one whose event
 * is gone already (or was never handed over) goes at once. Returns how many wait for an event.
 */
export function adoptEventFds(store: FdStore, events: { eventsInFlight(): Array<{ id: number; env: readonly string[] }>; eventFinished(id: number): Promise<void> }): number {
  const inFlight = events.eventsInFlight();
  let waiting = 0;
  for (const [name] of store.entries()) {
    if (!name.startsWith(EVENT_FD_PREFIX)) continue;
    const ev = inFlight.find((e) => e.env.includes(`LISTEN_FDNAMES=${name}`));
    if (ev === undefined) {
      store.remove(name);
      continue;
    }
    waiting++;
    void events.eventFinished(ev.id).then(() => { store.remove(name); });
  }
  return waiting;
}

/** The D-Bus service plus the extra listener on the private address (system mode) and the bus connection. */
export class DbusBinding {
  readonly service: DbusService;
  private extra: ControlServer | undefined;

  constructor(private readonly o: DbusBindingOptions) {
    this.service = new DbusService(o);
  }

  /** The private address to listen on besides the control socket, if any. */
  private privateAddress(): string | undefined {
    const a = this.o.address ?? (this.o.mode === 'system' ? UPSTART_PRIVATE_ADDRESS : undefined);
    return a === undefined || a === 'none' ? undefined : a;
  }

  /**
   * Listens on the private address (the same sniffing server as the control socket, so initctl works
   * there too) and joins the bus asked for. Neither failing stops the daemon: each is logged.
   */
  async start(control: Omit<ControlServerOptions, 'path' | 'adoptFd' | 'dbus'>): Promise<void> {
    const address = this.privateAddress();
    if (address !== undefined) {
      const path = parseSessionAddress(address);
      if (path === undefined) {
        this.o.log?.('warn', `dbus: cannot listen on ${address}: not a unix:path= or unix:abstract= address`);
      } else {
        try {
          // An abstract name is bound by its exact length, as libdbus clients look it up (Node would pad it).
          const adopt = path.startsWith('\0') ? { adoptFd: unixStream(`@${path.slice(1)}`, true) } : {};
          const server = new ControlServer({ ...control, path, dbus: this.service, ...adopt });
          await server.listen();
          this.extra = server;
          this.o.log?.('info', `dbus: Upstart's D-Bus API on ${address}`);
        } catch (err) {
          this.o.log?.('warn', `dbus: cannot listen on ${address}: ${(err as Error).message}; D-Bus clients reach this init on its control socket only`);
        }
      }
    }
    // At start a system bus may not run yet (its job sends SIGUSR1 once it does): that is no warning.
    // Not awaited: a bus that is slow to answer never holds up the daemon's start.
    if (this.o.rejoin !== undefined) {
      void this.connect(this.o.rejoin, 'warn', REJOIN_WAIT_MS).then(() => {
        if (this.o.reexeced === true) this.service.restarted();
      });
    } else if (this.o.reexeced === true) this.service.restarted();
    else if (this.o.joinBus !== undefined) void this.join(this.o.joinBus, this.o.joinBus === 'system' ? 'debug' : 'warn');
  }

  /** Joins the system bus (again: SIGUSR1, as Upstart's dbus job asks) or the session bus; failLevel: how a failure is logged. */
  async join(which: 'system' | 'session', failLevel: 'debug' | 'warn' = 'warn'): Promise<void> {
    const addr = which === 'system' ? this.o.env.DBUS_SYSTEM_BUS_ADDRESS ?? SYSTEM_BUS_ADDRESS : this.o.env.DBUS_SESSION_BUS_ADDRESS;
    if (addr === undefined || addr === '') {
      this.o.log?.('warn', 'dbus: --session, but DBUS_SESSION_BUS_ADDRESS is not set');
      return;
    }
    await this.connect(addr, failLevel);
  }

  /** notify-dbus-address ADDRESS (a session init): joins that bus; waitMs: how long to wait for the name (a re-exec). */
  async connect(address: string, failLevel: 'debug' | 'warn' = 'warn', waitMs?: number): Promise<void> {
    try {
      await this.service.connectBus(address, waitMs === undefined ? {} : { waitMs });
    } catch (err) {
      this.o.log?.(failLevel, `dbus: cannot join the bus at ${address}: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.service.close();
    await this.extra?.close();
  }
}
