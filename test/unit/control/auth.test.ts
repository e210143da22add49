// The one authorisation table: every request type has an entry, strangers read status but not environments or the journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCESS, denialFor, peerDenials } from '../../../src/control/auth.ts';
import { connect, ControlError } from '../../../src/control/client.ts';
import { COMMANDS, commandTable } from '../../../src/control/commands/index.ts';
import { HANDLERS } from '../../../src/control/handlers/index.ts';
import type { PeerCred } from '../../../src/control/server.ts';
import { HELLO, ME, Raw, startServer } from './serverHarness.ts';

const STRANGER = 65534;

test('every answered request type has a handler and an access entry; every command names requests that exist', () => {
  for (const t of Object.keys(HANDLERS)) assert.ok(t in ACCESS, t);
  for (const t of Object.keys(ACCESS)) assert.ok(t in HANDLERS || t === 'command' || t === 'cancel', t);
  for (const [name, c] of Object.entries(COMMANDS)) {
    assert.ok(c.summary !== '' && typeof c.usage === 'string', name);
    for (const t of c.requests) assert.ok(t in HANDLERS, `${name}: ${t}`);
  }
  const table = commandTable();
  assert.deepEqual(table.map((e) => e.name).sort(), Object.keys(COMMANDS).sort());
  assert.deepEqual(table.find((e) => e.name === 'log-priority')?.requests, ['get-log-priority', 'set-log-priority']);
  assert.equal(table[0]?.name, 'start');
});

test('peer denials: root and the owner may do anything; others only the open requests', () => {
  assert.deepEqual(peerDenials(0, 'system', 0), { denial: undefined, readDenial: undefined });
  assert.deepEqual(peerDenials(1000, 'session', 1000), { denial: undefined, readDenial: undefined });
  const other = peerDenials(1001, 'session', 1000);
  assert.equal(denialFor('status', other), undefined);
  assert.equal(denialFor('list', other), undefined);
  assert.match(denialFor('start', other) ?? '', /only the session's owner \(uid 1000\) may change this session init \(you are uid 1001\)/);
  for (const t of ['journal', 'subscribe', 'list-env', 'get-env', 'why'] as const) {
    assert.match(denialFor(t, other) ?? '', /only the session's owner \(uid 1000\) may read job environments and the event journal/, t);
  }
  assert.match(peerDenials(undefined, 'system', 0).denial ?? '', /cannot identify the caller/);
  assert.match(peerDenials(1000, 'system', 0).readDenial ?? '', /only root may read .* \(you are uid 1000\)/);
});

test('D7 on the wire: a stranger gets status and list but its journal, subscribe and list-env are refused', async () => {
  const h = await startServer({ peerCred: (): PeerCred => ({ pid: 4242, uid: STRANGER, gid: STRANGER }) });
  h.hooks.past.push({ t: 1, wall: 0, kind: 'event', name: 'secret', env: ['TOKEN=s3cret'] });
  try {
    const c = await connect(h.path);
    assert.equal((await c.status('foo')).length, 1);
    assert.equal((await c.list()).length, 2);
    for (const call of [() => c.journal(), () => c.listEnv(), () => c.send('journal', { follow: true })]) {
      await assert.rejects(call(), (e: unknown) => e instanceof ControlError && e.code === 'denied' && /may read job environments/.test(e.message));
    }
    c.close();
    const raw = new Raw(h.path);
    raw.write(`${HELLO}{"type":"subscribe","id":7}\n`);
    const [, reply] = (await raw.waitLines(2)) as Array<Record<string, unknown>>;
    assert.equal(reply?.id, 7);
    assert.equal(reply?.code, 'denied');
    assert.equal(h.engine.listenerCount, 0);
    assert.doesNotMatch(raw.lines.join('\n'), /s3cret/);
    raw.socket.destroy();
  } finally {
    await h.close();
  }
});

test('typed requests for what was argv-only: check-config, graph, usage, status detail, journal follow', async () => {
  const h = await startServer();
  try {
    const c = await connect(h.path);
    assert.deepEqual(await c.send('check-config', { ignoreEvents: [], warn: false }), []);
    assert.deepEqual((await c.send('graph', {})).nodes.map((n) => n.id).sort(), ['job:bar', 'job:foo']);
    assert.deepEqual(await c.send('usage', { job: 'foo' }), { job: 'foo', usage: '' });
    assert.deepEqual(await c.send('status', { job: 'bar', detail: 'summary' }), [{ job: 'bar', instance: '', goal: 'stop', state: 'waiting', processes: [] }]);
    assert.deepEqual(await c.status('bar'), []);
    // journal with follow: every entry so far as `event` replies, then the live ones, until cancelled.
    const past = h.hooks.past.length;
    const raw = new Raw(h.path);
    raw.write(`${HELLO}{"type":"journal","id":3,"follow":true}\n`);
    await raw.waitLines(1 + past);
    h.engine.journal({ t: 5, wall: 0, kind: 'event', name: 'live', env: [] });
    await raw.waitLines(2 + past);
    raw.write('{"type":"cancel","id":4,"target":3}\n');
    const lines = (await raw.waitLines(4 + past)) as Array<{ type: string; id: number; value?: unknown; entry?: { name?: string } }>;
    assert.deepEqual(lines.slice(1, 2 + past).map((l) => `${l.type} ${l.id}`), Array.from({ length: past + 1 }, () => 'event 3'));
    assert.equal(lines[1 + past]?.entry?.name, 'live');
    assert.deepEqual(lines.slice(2 + past).map((l) => `${l.type} ${l.id}`).sort(), ['result 3', 'result 4']);
    raw.socket.destroy();
    c.close();
  } finally {
    await h.close();
  }
});

test('the owner reads the journal it may see', async () => {
  const h = await startServer({ peerCred: () => ME });
  try {
    const c = await connect(h.path);
    assert.equal((await c.journal()).length, h.hooks.past.length);
    c.close();
  } finally {
    await h.close();
  }
});
