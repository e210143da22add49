// The control server's budgets with credentials chosen per connection: per-uid limits, reserved slots, idle strangers, unread replies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionTable, DEFAULT_LIMITS, type Member } from '../../../src/control/admission.ts';
import type { ControlServerOptions, PeerCred } from '../../../src/control/server.ts';
import { HELLO, ME, Raw, startServer, within, type Harness } from './serverHarness.ts';

const STRANGER = 65534;

/** A server whose next accepted connection gets the uid in `as.uid` (connect one at a time). */
async function serverAs(o: Partial<ControlServerOptions>): Promise<Harness & { as: { uid: number } }> {
  const as = { uid: STRANGER };
  const h = await startServer({ peerCred: (): PeerCred => ({ pid: 4242, uid: as.uid, gid: as.uid }), ...o });
  return Object.assign(h, { as });
}

/** Connects as `uid`, says hello, and resolves with the first reply (hello, or the refusal). */
async function greet(h: Harness & { as: { uid: number } }, uid: number): Promise<{ raw: Raw; first: Record<string, unknown> }> {
  h.as.uid = uid;
  const raw = new Raw(h.path);
  raw.write(HELLO);
  const [first] = (await raw.waitLines(1)) as Array<Record<string, unknown>>;
  return { raw, first: first! };
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('admission table: per-uid limit, stranger slots, the newest stranger evicted for the owner', () => {
  const t = new AdmissionTable<Member>({ ...DEFAULT_LIMITS, maxConnections: 5, reservedConnections: 2, perUidConnections: 2 });
  const s = (uid: number): Member => ({ uid, privileged: false });
  const owner: Member = { uid: 1000, privileged: true };
  const a1 = s(1), a2 = s(1), b1 = s(2), c1 = s(3);
  for (const m of [a1, a2, b1]) {
    assert.deepEqual(t.admit(m), { ok: true });
    t.add(m);
  }
  assert.match((t.admit(s(1)) as { message: string }).message, /uid 1 .*limit 2 per user/);
  assert.match((t.admit(c1) as { message: string }).message, /other users \(limit 3\)/);
  t.add(owner);
  t.add({ uid: 0, privileged: true });
  assert.equal(t.size, 5);
  assert.deepEqual(t.admit(owner), { ok: true, evict: b1 });
  t.remove(b1);
  t.remove(b1);
  assert.equal(t.size, 4);
  const b2 = s(2);
  assert.deepEqual(t.admit(b2), { ok: true });
  t.add(b2);
  assert.deepEqual(t.admit(s(4)), { ok: false, message: 'too many connections from other users (limit 3); try again later' });
  assert.deepEqual(t.admit(owner), { ok: true, evict: b2 });
});

test('a stranger past its per-uid limit is refused with a busy error; the owner still gets in; one log line', async () => {
  const h = await serverAs({ limits: { perUidConnections: 3 } });
  const raws: Raw[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const g = await greet(h, STRANGER);
      raws.push(g.raw);
      assert.equal(g.first.type, 'hello');
    }
    for (let i = 0; i < 5; i++) {
      const g = await greet(h, STRANGER);
      raws.push(g.raw);
      assert.equal(g.first.type, 'error');
      assert.equal(g.first.code, 'busy');
      assert.match(String(g.first.message), /too many connections from uid 65534 \(limit 3 per user\)/);
      await within(g.raw.closed, 5000, 'refused connection closed');
    }
    const mine = await greet(h, ME.uid);
    raws.push(mine.raw);
    assert.equal(mine.first.type, 'hello');
    assert.equal(h.logs.filter((l) => l.includes('refusing')).length, 1, h.logs.join('\n'));
  } finally {
    for (const r of raws) r.socket.destroy();
    await h.close();
  }
});

test('slots are kept for the owner, and when all are taken the newest stranger makes room', async () => {
  const h = await serverAs({ ownerUid: 1000, limits: { maxConnections: 5, reservedConnections: 2, perUidConnections: 10 } });
  const raws: Raw[] = [];
  try {
    const strangers: Raw[] = [];
    for (let i = 0; i < 3; i++) strangers.push((await greet(h, STRANGER + (i % 2))).raw);
    raws.push(...strangers);
    const refused = await greet(h, 4000);
    raws.push(refused.raw);
    assert.equal(refused.first.code, 'busy');
    for (const uid of [1000, 0]) {
      const g = await greet(h, uid);
      raws.push(g.raw);
      assert.equal(g.first.type, 'hello');
    }
    const extra = await greet(h, 1000);
    raws.push(extra.raw);
    assert.equal(extra.first.type, 'hello');
    const newest = strangers[2]!;
    await within(newest.closed, 5000, 'the newest stranger closed');
    assert.match(newest.lines.at(-1)!, /"code":"busy"/);
    assert.equal(strangers[0]!.socket.destroyed, false);
  } finally {
    for (const r of raws) r.socket.destroy();
    await h.close();
  }
});

test('an idle greeted stranger is closed (a subscription is not theirs to hold: D7); a subscribed owner and an idle owner are not', async () => {
  const h = await serverAs({ limits: { idleTimeoutMs: 200 } });
  const raws: Raw[] = [];
  try {
    const idle = (await greet(h, STRANGER)).raw;
    const refused = (await greet(h, STRANGER)).raw;
    refused.write('{"type":"subscribe","id":1}\n');
    const [denied] = (await refused.waitLines(2)).slice(1) as Array<Record<string, unknown>>;
    assert.equal(denied?.code, 'denied');
    const sub = (await greet(h, ME.uid)).raw;
    sub.write('{"type":"subscribe","id":1}\n');
    const owner = (await greet(h, ME.uid)).raw;
    raws.push(idle, refused, sub, owner);
    await within(idle.closed, 5000, 'idle stranger closed');
    assert.match(idle.lines.at(-1)!, /"code":"timeout".*idle for 200 ms/);
    await within(refused.closed, 5000, 'the refused stranger closed once idle');
    await new Promise((r) => setTimeout(r, 600)); // three idle periods: the others must still be there
    assert.equal(sub.socket.destroyed, false);
    assert.equal(owner.socket.destroyed, false);
    owner.write('{"type":"version","id":2}\n');
    await owner.waitLines(2);
  } finally {
    for (const r of raws) r.socket.destroy();
    await h.close();
  }
});

test('a stranger that never reads: reading pauses, memory stays bounded, it is dropped with one log line', async () => {
  const h = await serverAs({ limits: { idleTimeoutMs: 1500, strangerUnreadBytes: 256 * 1024, readPauseBytes: 64 * 1024 } });
  for (let i = 0; i < 2000; i++) h.hooks.past.push({ t: i, wall: 0, kind: 'event', name: `e${i}`, env: ['A=1'] });
  const raws: Raw[] = [];
  try {
    h.as.uid = STRANGER;
    const r = new Raw(h.path);
    raws.push(r);
    r.socket.pause();
    const reqs = Array.from({ length: 3000 }, (_, k) => `{"type":"plot","id":${k + 1}}\n`).join('');
    r.write(HELLO + reqs);
    let peak = 0;
    const probe = setInterval(() => (peak = Math.max(peak, h.server.unreadBytes)), 5);
    try {
      // It does not read, so it does not see the hang-up either: watch the daemon's side.
      await waitFor(() => h.server.unreadBytes > 0, 10_000, 'replies queued');
      await waitFor(() => h.server.connectionCount === 0, 10_000, 'the non-reader dropped');
    } finally {
      clearInterval(probe);
    }
    const lines = h.logs.filter((l) => l.includes('stopped reading'));
    assert.equal(lines.length, 1, h.logs.join('\n'));
    assert.match(lines[0]!, /uid 65534 \(pid 4242\)/);
    // Reading paused at 64 KiB unread: the daemon held at most the answers to the 4 requests it had taken (plot of 2,000 events: ~50 KB each).
    assert.ok(peak < 64 * 1024 + 4 * 140 * 1024, `peak unread ${peak}`);
    assert.match(lines[0]!, /its requests waited 1500 ms/);
    assert.equal(h.server.unreadBytes, 0);
  } finally {
    for (const x of raws) x.socket.destroy();
    await h.close();
  }
});

test('the daemon-wide budget drops the stranger with the most unread, and the owner is still answered', async () => {
  const total = 1024 * 1024;
  const h = await serverAs({ limits: { totalUnreadBytes: total, strangerUnreadBytes: 8 * 1024 * 1024, readPauseBytes: 64 * 1024 } });
  for (let i = 0; i < 2000; i++) h.hooks.past.push({ t: i, wall: 0, kind: 'event', name: `event-with-a-longer-name-${i}`, env: ['A=1'] });
  const raws: Raw[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      h.as.uid = STRANGER;
      const r = new Raw(h.path);
      raws.push(r);
      r.socket.pause();
      const before = h.server.unreadBytes;
      r.write(HELLO + Array.from({ length: 6 }, (_, k) => `{"type":"plot","id":${k + 1}}\n`).join(''));
      await waitFor(() => h.server.unreadBytes > before || h.logs.length > 0, 5000, 'replies queued');
    }
    // The clients do not read, so they do not see the hang-up either: watch the daemon's side.
    await waitFor(() => h.logs.some((l) => l.includes('stopped reading')), 10_000, 'someone dropped');
    assert.ok(h.server.connectionCount < 6);
    assert.ok(h.server.unreadBytes <= total, `unread ${h.server.unreadBytes}`);
    const owner = (await greet(h, ME.uid)).raw;
    raws.push(owner);
    owner.write('{"type":"version","id":9}\n');
    await owner.waitLines(2);
    assert.ok(h.logs.some((l) => /stopped reading its replies \(.*all clients together/.test(l)), h.logs.join('\n'));
  } finally {
    for (const x of raws) x.socket.destroy();
    await h.close();
  }
});

for (const [who, uid] of [['the owner', ME.uid], ['a stranger', STRANGER]] as const) {
  test(`${who} pipelining 3,000 big requests and reading gets every reply, in order, and is not cut off`, async () => {
    const h = await serverAs({ limits: { strangerUnreadBytes: 64 * 1024 } });
    for (let i = 0; i < 500; i++) h.hooks.past.push({ t: i, wall: 0, kind: 'event', name: `e${i}`, env: [] });
    try {
      h.as.uid = uid;
      const r = new Raw(h.path);
      r.write(HELLO + Array.from({ length: 3000 }, (_, k) => `{"type":"plot","id":${k + 1}}\n`).join(''));
      // Half-close: the answers already asked for still come, then the daemon ends the connection.
      r.socket.end();
      await within(r.closed, 60_000, 'all replies and the close');
      const ids = r.lines.slice(1).map((l) => (JSON.parse(l) as { id: number; type: string }));
      assert.equal(ids.length, 3000);
      assert.ok(ids.every((x, i) => x.type === 'result' && x.id === i + 1));
      assert.deepEqual(h.logs, []);
    } finally {
      await h.close();
    }
  });
}

test('a subscriber not reading is dropped at its budget with one log line; a reading one is not', async () => {
  // Subscriptions are root's and the owner's (D7): their budget is maxUnreadBytes.
  const h = await serverAs({ limits: { maxUnreadBytes: 128 * 1024 } });
  try {
    const slow = (await greet(h, ME.uid)).raw;
    const fast = (await greet(h, ME.uid)).raw;
    slow.write('{"type":"subscribe","id":1}\n');
    fast.write('{"type":"subscribe","id":1}\n');
    await waitFor(() => h.engine.listenerCount === 2, 5000, 'both subscribed');
    slow.socket.pause();
    // 6,000 events of ~130 bytes: 780 KB, six times the slow one's budget; the fast one is given time to read.
    for (let i = 0; i < 6000; i++) {
      h.engine.journal({ t: i, wall: 0, kind: 'event', name: `event-${i}`, env: ['PADDING=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'] });
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor(() => h.engine.listenerCount === 1, 10_000, 'the slow subscriber dropped');
    const lines = h.logs.filter((l) => l.includes('stopped reading'));
    assert.equal(lines.length, 1, h.logs.join('\n'));
    await waitFor(() => fast.lines.length === 1 + 6000, 20_000, 'every event for the reading subscriber');
    assert.equal(h.engine.listenerCount, 1);
    slow.socket.destroy();
    fast.socket.destroy();
  } finally {
    await h.close();
  }
});
