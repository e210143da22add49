// rtnetlink link messages: the dump request, the parser (several messages per datagram, attributes), and the events each change means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IFF_UP, LinkTable, dumpLinksRequest, netEventEnv, parseNetlink } from '../../../src/bridges/rtnetlink.ts';

/** One RTM_NEWLINK (16) or RTM_DELLINK (17) message as the kernel writes it, with IFLA_IFNAME and one other attribute. */
function linkMsg(type: 16 | 17, index: number, flags: number, name: string): Buffer {
  const nameAttr = Buffer.alloc((4 + name.length + 1 + 3) & ~3);
  nameAttr.writeUInt16LE(4 + name.length + 1, 0);
  nameAttr.writeUInt16LE(3, 2);
  nameAttr.write(name, 4);
  const mtu = Buffer.alloc(8);
  mtu.writeUInt16LE(8, 0);
  mtu.writeUInt16LE(4, 2);
  mtu.writeUInt32LE(1500, 4);
  const body = Buffer.alloc(16);
  body.writeInt32LE(index, 4);
  body.writeUInt32LE(flags, 8);
  const len = 16 + 16 + mtu.length + nameAttr.length;
  const h = Buffer.alloc(16);
  h.writeUInt32LE(len, 0);
  h.writeUInt16LE(type, 4);
  return Buffer.concat([h, body, mtu, nameAttr]);
}

test('the dump request is RTM_GETLINK with NLM_F_REQUEST|NLM_F_DUMP', () => {
  const b = dumpLinksRequest(7);
  assert.equal(b.readUInt32LE(0), 32);
  assert.equal(b.readUInt16LE(4), 18);
  assert.equal(b.readUInt16LE(6), 0x301);
  assert.equal(b.readUInt32LE(8), 7);
});

test('several messages in one datagram, then NLMSG_DONE; a truncated tail is dropped', () => {
  const done = Buffer.alloc(20);
  done.writeUInt32LE(20, 0);
  done.writeUInt16LE(3, 4);
  const buf = Buffer.concat([linkMsg(16, 1, 0x49, 'lo'), linkMsg(16, 2, 0, 'eth0'), done, linkMsg(16, 3, 0, 'cut').subarray(0, 20)]);
  assert.deepEqual(parseNetlink(buf), [
    { kind: 'new', index: 1, name: 'lo', flags: 0x49 },
    { kind: 'new', index: 2, name: 'eth0', flags: 0 },
    { kind: 'done' },
  ]);
});

test('added, up, down, removed; a rename is removed and added; a deleted link that was up goes down first', () => {
  const t = new LinkTable();
  const names = (evs: { name: string; iface: string }[]): string[] => evs.map((e) => `${e.name} ${e.iface}`);
  assert.deepEqual(names(t.apply({ kind: 'new', index: 2, name: 'eth0', flags: 0 })), ['net-device-added eth0']);
  assert.deepEqual(names(t.apply({ kind: 'new', index: 2, name: 'eth0', flags: 0 })), []);
  assert.deepEqual(names(t.apply({ kind: 'new', index: 2, name: 'eth0', flags: IFF_UP })), ['net-device-up eth0']);
  assert.deepEqual(names(t.apply({ kind: 'new', index: 2, name: 'wan0', flags: IFF_UP })), ['net-device-down eth0', 'net-device-removed eth0', 'net-device-added wan0', 'net-device-up wan0']);
  assert.deepEqual(names(t.apply({ kind: 'del', index: 2, name: 'wan0', flags: IFF_UP })), ['net-device-down wan0', 'net-device-removed wan0']);
  assert.deepEqual(names(t.apply({ kind: 'del', index: 9, name: 'x', flags: 0 })), []);
});

test('a table kept from a previous run: the dump makes only the differences, links gone meanwhile are removed at its end', () => {
  const old = new LinkTable();
  old.apply({ kind: 'new', index: 1, name: 'lo', flags: IFF_UP });
  old.apply({ kind: 'new', index: 4, name: 'gone0', flags: 0 });
  const t = LinkTable.from(JSON.parse(JSON.stringify(old.toJSON())));
  assert.deepEqual(t.apply({ kind: 'new', index: 1, name: 'lo', flags: IFF_UP }), []);
  assert.deepEqual(t.apply({ kind: 'new', index: 5, name: 'new0', flags: 0 }).map((e) => e.name), ['net-device-added']);
  assert.deepEqual(t.endDump(new Set([1, 5])).map((e) => `${e.name} ${e.iface}`), ['net-device-removed gone0']);
  assert.deepEqual(LinkTable.from('junk').names(), []);
});

test("event environments: udev's INTERFACE for added/removed, ifupdown's IFACE and LOGICAL for up/down, IFACE on all", () => {
  assert.deepEqual(netEventEnv({ name: 'net-device-added', iface: 'eth0', index: 2 }), ['INTERFACE=eth0', 'IFACE=eth0', 'IFINDEX=2', 'SUBSYSTEM=net', 'ACTION=add']);
  assert.deepEqual(netEventEnv({ name: 'net-device-up', iface: 'eth0', index: 2 }), ['IFACE=eth0', 'LOGICAL=eth0', 'INTERFACE=eth0', 'IFINDEX=2']);
});
