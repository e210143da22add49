// The control server against real sockets: handshake, typed and command requests, authorisation, bad input, load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, ControlError } from '../../../src/control/client.ts';
import { HELLO, ME, Raw, startServer, within } from './serverHarness.ts';

test('typed requests round-trip through the client library', async () => {
  const h = await startServer();
  try {
    const c = await connect(h.path);
    assert.equal(c.serverVersion, 1);
    assert.deepEqual(await c.status('foo'), [{ job: 'foo', instance: '', goal: 'start', state: 'running', processes: [{ process: 'main', pid: 1234 }] }]);
    assert.deepEqual((await c.list()).map((s) => `${s.job} ${s.goal}/${s.state}`), ['bar stop/waiting', 'foo start/running']);
    assert.equal((await c.start('bar', ['A=1'])).state, 'running');
    await assert.rejects(c.start('bar'), (e: unknown) => e instanceof ControlError && e.code === 'already-running' && e.message === 'Job is already running: bar');
    await assert.rejects(c.status('nope'), (e: unknown) => e instanceof ControlError && e.code === 'unknown-job');
    await c.emit('net-up', ['IFACE=eth0'], { wait: false });
    assert.deepEqual(h.engine.emitted, [{ name: 'net-up', env: ['IFACE=eth0'], wait: false }]);
    await c.setEnv('X', '1');
    assert.equal(await c.getEnv('X'), '1');
    await c.unsetEnv('X');
    await assert.rejects(c.getEnv('X'), (e: unknown) => e instanceof ControlError && e.code === 'invalid');
    assert.equal(await c.version(), 'init (upstart-ts 0.1.0)');
    await c.setLogPriority('debug');
    assert.equal(await c.getLogPriority(), 'debug');
    await assert.rejects(c.setLogPriority('shout'), (e: unknown) => e instanceof ControlError && e.code === 'invalid');
    assert.deepEqual(await c.showConfig('foo'), [{ name: 'foo', emits: [] }]);
    assert.equal((await c.journal()).length, 2);
    const r = await c.command(['initctl', 'status', 'foo']);
    assert.deepEqual(r, { stdout: 'foo start/running, process 1234\n', stderr: '', exitStatus: 0 });
    const bad = await c.command(['initctl', 'start']);
    assert.equal(bad.exitStatus, 1);
    assert.match(bad.stderr, /^initctl: missing job name\n/);
    c.close();
  } finally {
    await h.close();
  }
});

test('subscribe streams journal entries until closed', async () => {
  const h = await startServer();
  try {
    const c = await connect(h.path);
    const got: string[] = [];
    let wake: () => void = () => undefined;
    const sub = c.subscribe((e) => {
      got.push(e.kind);
      wake();
    });
    // The subscription is registered once the request has been read: wait for it on the engine side.
    const deadline = Date.now() + 5000;
    while (h.engine.listenerCount === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    h.engine.journal({ t: 1, wall: 0, kind: 'event', name: 'x', env: [] });
    await within(new Promise<void>((r) => (got.length > 0 ? r() : (wake = r))), 5000, 'event');
    assert.deepEqual(got, ['event']);
    await sub.close();
    assert.equal(h.engine.listenerCount, 0);
    c.close();
  } finally {
    await h.close();
  }
});

test('watch-config streams the job list at once and after each change, to anyone (it is show-config), until cancelled', async () => {
  const other = { pid: 1, uid: ME.uid + 1000, gid: 100 };
  const h = await startServer({ mode: 'system', peerCred: () => other });
  try {
    const c = await connect(h.path);
    const lists: string[][] = [];
    let wake: () => void = () => undefined;
    const sub = c.watchConfig((s) => {
      lists.push(s.map((x) => x.name));
      wake();
    });
    const next = (n: number): Promise<void> => within(new Promise<void>((r) => { wake = () => { if (lists.length >= n) r(); }; wake(); }), 5000, `list ${n}`);
    await next(1);
    assert.deepEqual(lists, [['bar', 'foo']]);
    assert.equal(h.hooks.classWatchers.size, 1);
    h.engine.add('baz');
    h.hooks.classesChanged();
    await next(2);
    assert.deepEqual(lists[1], ['bar', 'baz', 'foo']);
    await sub.close();
    assert.equal(h.hooks.classWatchers.size, 0);
    // Nothing is sent after the cancel.
    h.hooks.classesChanged();
    assert.equal((await c.status('foo')).length, 1);
    assert.equal(lists.length, 2);
    c.close();
  } finally {
    await h.close();
  }
});

test('only root (system) or the owner (session) may change things; reads are open', async () => {
  const other = { pid: 1, uid: ME.uid + 1000, gid: 100 };
  const sys = await startServer({ mode: 'system', peerCred: () => other });
  try {
    const c = await connect(sys.path);
    assert.equal((await c.status('foo')).length, 1);
    await assert.rejects(c.start('bar'), (e: unknown) => e instanceof ControlError && e.code === 'denied'
      && e.message === `Permission denied: only root may change the system init (you are uid ${other.uid})`);
    const r = await c.command(['initctl', 'emit', 'x']);
    assert.deepEqual(r, { stdout: '', stderr: `initctl: Permission denied: only root may change the system init (you are uid ${other.uid})\n`, exitStatus: 1 });
    assert.deepEqual(sys.engine.emitted, []);
    c.close();
  } finally {
    await sys.close();
  }
  const sess = await startServer({ mode: 'session', ownerUid: 4242, peerCred: () => other });
  try {
    const c = await connect(sess.path);
    await assert.rejects(c.emit('x'), /only the session's owner \(uid 4242\) may change this session init/);
    c.close();
  } finally {
    await sess.close();
  }
  const owner = await startServer({ mode: 'session', ownerUid: 4242, peerCred: () => ({ pid: 1, uid: 4242, gid: 1 }) });
  try {
    const c = await connect(owner.path);
    await c.emit('x');
    c.close();
  } finally {
    await owner.close();
  }
  const unknown = await startServer({ peerCred: () => { throw new Error('ENOTSOCK'); } });
  try {
    const c = await connect(unknown.path);
    await assert.rejects(c.emit('x'), /cannot identify the caller/);
    c.close();
  } finally {
    await unknown.close();
  }
});

test('garbage gets an error reply and a closed connection; the server carries on', async () => {
  const h = await startServer();
  try {
    const cases: Array<[string, string]> = [
      ['hello there\n', 'bad-request'],
      ['{"protocol":"upstart-ts","version":99}\n', 'bad-version'],
      [`${HELLO}not json\n`, 'bad-request'],
      [`${HELLO}{"type":"status","id":1}\n`, 'bad-request'],
      [`${HELLO}{"type":"launch-missiles","id":1}\n`, 'bad-request'],
      [`${HELLO}[1,2,3]\n`, 'bad-request'],
      ['\u0000\u0001\u00ff\n', 'bad-request'],
    ];
    for (const [input, code] of cases) {
      const raw = new Raw(h.path);
      raw.write(input);
      await within(raw.closed, 5000, `close after ${JSON.stringify(input)}`);
      const last = JSON.parse(raw.lines.at(-1) as string);
      assert.equal(last.type, 'error', input);
      assert.equal(last.code, code, input);
      assert.equal(last.id, null);
    }
    const c = await connect(h.path);
    assert.equal((await c.status('foo')).length, 1);
    c.close();
  } finally {
    await h.close();
  }
});

test('a 100 MB line is refused at the bound and the connection closed', async () => {
  const h = await startServer();
  try {
    const raw = new Raw(h.path);
    raw.write(HELLO);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    let stop = false;
    void raw.closed.then(() => {
      stop = true;
    });
    while (!stop && sent < 100) {
      const ok = raw.socket.write(chunk);
      sent++;
      if (!ok) await new Promise<void>((r) => {
        raw.socket.once('drain', r);
        raw.socket.once('close', r);
      });
    }
    await within(raw.closed, 10000, 'close after an oversized line');
    assert.ok(sent < 100, `the server should hang up before 100 MB arrive (sent ${sent} MiB)`);
    const replies = raw.lines.map((l) => JSON.parse(l));
    assert.equal(replies.at(-1).code, 'too-long');
    const c = await connect(h.path);
    assert.equal((await c.status('foo')).length, 1);
    c.close();
  } finally {
    await h.close();
  }
});

test('a half-written request or a missing handshake times out', async () => {
  const h = await startServer({ stallTimeoutMs: 200 });
  try {
    const half = new Raw(h.path);
    half.write(`${HELLO}{"type":"stat`);
    await within(half.closed, 5000, 'close after a stalled line');
    assert.equal(JSON.parse(half.lines.at(-1) as string).code, 'timeout');
    const silent = new Raw(h.path);
    await within(silent.closed, 5000, 'close without a handshake');
    assert.equal(JSON.parse(silent.lines.at(-1) as string).code, 'timeout');
    // A greeted, idle connection is not a stalled one.
    const idle = await connect(h.path);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(idle.isClosed, false);
    assert.equal((await idle.status('foo')).length, 1);
    idle.close();
  } finally {
    await h.close();
  }
});

test('50 clients at once all get their answers', async () => {
  const h = await startServer();
  try {
    const results = await within(Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const c = await connect(h.path);
      const r = await c.command(['initctl', 'status', i % 2 === 0 ? 'foo' : 'bar']);
      c.close();
      return r.stdout;
    })), 20000, '50 clients');
    results.forEach((out, i) => assert.equal(out, i % 2 === 0 ? 'foo start/running, process 1234\n' : 'bar stop/waiting\n'));
  } finally {
    await h.close();
  }
});

test('pending calls fail with the reason when the connection closes', async () => {
  const h = await startServer();
  try {
    h.engine.start = () => new Promise(() => undefined);
    const c = await connect(h.path);
    const p = c.start('bar');
    const q = c.command(['initctl', 'events', '--follow']);
    await new Promise((r) => setTimeout(r, 50));
    await h.server.close();
    await assert.rejects(p, (e: unknown) => e instanceof ControlError && e.code === 'closed');
    await assert.rejects(q, (e: unknown) => e instanceof ControlError && e.code === 'closed');
    await assert.rejects(c.version(), (e: unknown) => e instanceof ControlError && e.code === 'closed');
    assert.equal(h.engine.listenerCount, 0);
  } finally {
    await h.close();
  }
});

test('connect to a missing socket fails with code closed', async () => {
  await assert.rejects(connect('/nonexistent/dir/control.sock'), (e: unknown) => e instanceof ControlError && e.code === 'closed');
});
