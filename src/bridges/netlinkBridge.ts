// The netlink bridge: net-device-added/-removed/-up/-down from the kernel's rtnetlink link messages, emitted over the control socket (no udev needed).
import { LinkTable, dumpLinksRequest, netEventEnv, parseNetlink, type NetEvent } from './rtnetlink.ts';

export interface NetlinkBridgeOptions {
  /** emit over the control socket (the typed client's). */
  emit(name: string, env: string[], o: { wait: boolean }): Promise<void>;
  /** Opens the NETLINK_ROUTE socket bound to RTMGRP_LINK; datagrams from the kernel (pid 0) go to cb. */
  open(cb: (data: Buffer, sender: { pid: number }) => void): { send(data: Buffer): void; close(): void };
  /** What a previous run of this bridge saw (undefined on a first start: every link is announced, as udev's coldplug does). */
  saved?: unknown;
  /** Keeps what it saw for the next run (a respawn announces only what changed meanwhile). */
  save?(table: unknown): void;
  log(level: 'debug' | 'info' | 'warn', msg: string): void;
}

/**
 * Invariants: the dump sent at start is answered before live messages are turned into events, so
 * the first events are the difference between what a previous run saw (or nothing) and the links
 * now; afterwards each link message makes the events its change means (LinkTable), in order.
 */
export class NetlinkBridge {
  private readonly table: LinkTable;
  private sock: { send(data: Buffer): void; close(): void } | undefined;
  private dumping = true;
  private readonly seen = new Set<number>();
  private queue: Promise<void> = Promise.resolve();
  private dumped!: () => void;
  /** Resolves once the first dump is done (its events handed to emit). */
  readonly ready: Promise<void>;

  constructor(private readonly o: NetlinkBridgeOptions) {
    this.table = LinkTable.from(o.saved);
    this.ready = new Promise((r) => { this.dumped = r; });
  }

  start(): void {
    this.sock = this.o.open((data, sender) => {
      if (sender.pid !== 0) return; // only the kernel speaks for links
      this.onData(data);
    });
    this.sock.send(dumpLinksRequest(1));
  }

  private onData(data: Buffer): void {
    for (const m of parseNetlink(data)) {
      if (m.kind === 'error') {
        if (m.errno !== 0) this.o.log('warn', `rtnetlink: error ${m.errno}`);
        continue;
      }
      if (m.kind === 'done') {
        if (!this.dumping) continue;
        this.dumping = false;
        const gone = this.table.endDump(this.seen);
        this.send(gone);
        const known = this.o.saved !== undefined;
        this.o.log(known ? 'info' : 'debug', known
          ? 'restarted: link changes while no bridge ran are announced now, late (their order among themselves is lost)'
          : `links now: ${this.table.names().join(' ') || 'none'}`);
        this.save();
        this.dumped();
        continue;
      }
      if (this.dumping) this.seen.add(m.index);
      const evs = this.table.apply(m);
      if (evs.length > 0) {
        this.send(evs);
        this.save();
      }
    }
  }

  /** Emits in order: each emit is sent once the previous one was written (the daemon queues them in that order). */
  private send(evs: NetEvent[]): void {
    for (const e of evs) {
      const env = netEventEnv(e);
      this.o.log('debug', `emit ${e.name} ${env.join(' ')}`);
      this.queue = this.queue.then(() => this.o.emit(e.name, env, { wait: false })).catch((err: Error) => {
        this.o.log('warn', `cannot emit ${e.name} ${env.join(' ')}: ${err.message} (the event is lost)`);
      });
    }
  }

  private save(): void {
    try {
      this.o.save?.(this.table.toJSON());
    } catch (err) {
      this.o.log('warn', `cannot keep the link table: ${(err as Error).message}`);
    }
  }

  /** Waits for the emits already made to be written. */
  flush(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}
