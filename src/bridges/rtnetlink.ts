// rtnetlink link messages as plain data: the RTM_GETLINK dump request and the RTM_NEWLINK/RTM_DELLINK parser (rtnetlink(7)), no udev needed.

export const NETLINK_ROUTE = 0;
export const RTMGRP_LINK = 1;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const IFLA_IFNAME = 3;
export const IFF_UP = 0x1;
export const IFF_LOOPBACK = 0x8;

/** One link as a message describes it. */
export interface LinkMessage {
  kind: 'new' | 'del';
  index: number;
  name: string;
  flags: number;
}

export type NetlinkItem = LinkMessage | { kind: 'done' } | { kind: 'error'; errno: number };

/** RTM_GETLINK with NLM_F_DUMP: every link, answered as RTM_NEWLINK messages and NLMSG_DONE. */
export function dumpLinksRequest(seq: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(32, 0);
  b.writeUInt16LE(RTM_GETLINK, 4);
  b.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(0, 12);
  // ifinfomsg: family AF_UNSPEC, the rest zero.
  return b;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** The messages of one datagram (several may share it); truncated or foreign ones are skipped. */
export function parseNetlink(buf: Buffer): NetlinkItem[] {
  const out: NetlinkItem[] = [];
  let off = 0;
  while (off + 16 <= buf.length) {
    const len = buf.readUInt32LE(off);
    const type = buf.readUInt16LE(off + 4);
    if (len < 16 || off + len > buf.length) break;
    if (type === NLMSG_DONE) out.push({ kind: 'done' });
    else if (type === NLMSG_ERROR && len >= 20) out.push({ kind: 'error', errno: -buf.readInt32LE(off + 16) });
    else if ((type === RTM_NEWLINK || type === RTM_DELLINK) && len >= 32) {
      const index = buf.readInt32LE(off + 20);
      const flags = buf.readUInt32LE(off + 24);
      let name = '';
      let a = off + 32;
      while (a + 4 <= off + len) {
        const alen = buf.readUInt16LE(a);
        const atype = buf.readUInt16LE(a + 2) & 0x3fff;
        if (alen < 4 || a + alen > off + len) break;
        if (atype === IFLA_IFNAME) name = buf.toString('utf8', a + 4, a + alen).replace(/\0.*$/s, '');
        a += align4(alen);
      }
      if (name !== '') out.push({ kind: type === RTM_NEWLINK ? 'new' : 'del', index, name, flags });
    }
    off += align4(len);
  }
  return out;
}

/** What a link's change means in Upstart's events: net-device-added/-up/-down/-removed, with their order. */
export type NetEvent = { name: 'net-device-added' | 'net-device-removed' | 'net-device-up' | 'net-device-down'; iface: string; index: number };

/**
 * Invariants: `links` holds each link the kernel reported (by index) with its last name and flags;
 * an event is made for each change: a new index is added (and up if IFF_UP); IFF_UP set or cleared
 * is up or down; a deleted link that was up goes down first, then is removed. A rename is a
 * removal of the old name and an addition of the new one, as udev reports it.
 */
export class LinkTable {
  private readonly links = new Map<number, { name: string; flags: number }>();

  apply(m: LinkMessage): NetEvent[] {
    const old = this.links.get(m.index);
    const ev = (name: NetEvent['name'], iface: string): NetEvent => ({ name, iface, index: m.index });
    if (m.kind === 'del') {
      if (old === undefined) return [];
      this.links.delete(m.index);
      return [...(old.flags & IFF_UP ? [ev('net-device-down', old.name)] : []), ev('net-device-removed', old.name)];
    }
    this.links.set(m.index, { name: m.name, flags: m.flags });
    const up = (m.flags & IFF_UP) !== 0;
    if (old === undefined) return [ev('net-device-added', m.name), ...(up ? [ev('net-device-up', m.name)] : [])];
    const out: NetEvent[] = [];
    if (old.name !== m.name) {
      if (old.flags & IFF_UP) out.push(ev('net-device-down', old.name));
      out.push(ev('net-device-removed', old.name), ev('net-device-added', m.name));
      if (up) out.push(ev('net-device-up', m.name));
      return out;
    }
    const wasUp = (old.flags & IFF_UP) !== 0;
    if (up && !wasUp) out.push(ev('net-device-up', m.name));
    if (!up && wasUp) out.push(ev('net-device-down', m.name));
    return out;
  }

  names(): string[] {
    return [...this.links.values()].map((l) => l.name).sort();
  }

  /** After a dump: links the table had that the dump did not report are gone (down first if up, then removed). */
  endDump(seen: ReadonlySet<number>): NetEvent[] {
    const out: NetEvent[] = [];
    for (const [index, l] of [...this.links]) {
      if (seen.has(index)) continue;
      out.push(...this.apply({ kind: 'del', index, name: l.name, flags: l.flags }));
    }
    return out;
  }

  toJSON(): [number, string, number][] {
    return [...this.links].map(([i, l]) => [i, l.name, l.flags]);
  }

  /** A table as a previous run left it (bad entries skipped). */
  static from(saved: unknown): LinkTable {
    const t = new LinkTable();
    if (!Array.isArray(saved)) return t;
    for (const e of saved) {
      if (Array.isArray(e) && Number.isInteger(e[0]) && typeof e[1] === 'string' && Number.isInteger(e[2])) t.links.set(e[0] as number, { name: e[1], flags: e[2] as number });
    }
    return t;
  }
}

/** The environment of an event (Upstart's names: udev's INTERFACE for -added/-removed, ifupdown's IFACE and LOGICAL for -up/-down; both on every one). */
export function netEventEnv(e: NetEvent): string[] {
  switch (e.name) {
    case 'net-device-added':
      return [`INTERFACE=${e.iface}`, `IFACE=${e.iface}`, `IFINDEX=${e.index}`, 'SUBSYSTEM=net', 'ACTION=add'];
    case 'net-device-removed':
      return [`INTERFACE=${e.iface}`, `IFACE=${e.iface}`, `IFINDEX=${e.index}`, 'SUBSYSTEM=net', 'ACTION=remove'];
    default:
      return [`IFACE=${e.iface}`, `LOGICAL=${e.iface}`, `INTERFACE=${e.iface}`, `IFINDEX=${e.index}`];
  }
}
