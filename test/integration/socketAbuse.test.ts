// Bad input on the real control socket (garbage, a 100 MB line, a half-written request): an error, a closed connection, a daemon that keeps answering.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { startDaemon, waitForStatus, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({ svc: 'exec sleep 600\n' });
  assert.equal((await d.initctl(['start', 'svc'])).code, 0);
});

after(async () => {
  await d?.stop();
});

const HELLO = '{"protocol":"upstart-ts","version":1}\n';

interface Peer {
  sock: Socket;
  /** Every line the daemon sent, parsed. */
  replies: Array<Record<string, unknown>>;
  /** Resolves when the daemon closed the connection (or it broke). */
  closed: Promise<void>;
}

function connect(): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(d.socket);
    const replies: Array<Record<string, unknown>> = [];
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
        replies.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
        buf = buf.slice(i + 1);
      }
    });
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined); // EPIPE / ECONNRESET once the daemon hangs up
    sock.once('connect', () => resolve({ sock, replies, closed }));
    sock.once('error', reject);
  });
}

/** The daemon still answers a real client, promptly. */
async function stillAnswers(): Promise<void> {
  const t0 = Date.now();
  const r = await d.initctl(['status', 'svc']);
  assert.match(r.stdout, /^svc start\/running, process \d+\n$/);
  assert.ok(Date.now() - t0 < 5000, `status took ${Date.now() - t0} ms`);
  assert.equal(d.proc.exitCode, null);
}

function lastError(p: Peer): Record<string, unknown> | undefined {
  return p.replies.filter((r) => r.type === 'error').at(-1);
}

const GARBAGE: Array<{ what: string; bytes: Buffer; code: string }> = [
  { what: 'text instead of the handshake', bytes: Buffer.from('garbage\n'), code: 'bad-request' },
  { what: 'binary noise with newlines', bytes: Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x80, 0x0a, 0x1b, 0x5b]), code: 'bad-request' },
  { what: 'a wrong protocol version', bytes: Buffer.from('{"protocol":"upstart-ts","version":999}\n'), code: 'bad-version' },
  { what: 'JSON that is not a request after the handshake', bytes: Buffer.from(`${HELLO}[1,2,3]\n`), code: 'bad-request' },
  { what: 'an unknown request type', bytes: Buffer.from(`${HELLO}{"type":"format-disk","id":1}\n`), code: 'bad-request' },
  { what: 'a request without an id', bytes: Buffer.from(`${HELLO}{"type":"status","job":"svc"}\n`), code: 'bad-request' },
];

for (const g of GARBAGE) {
  test(`${g.what}: an error reply, the connection closed, the daemon answers`, async () => {
    const p = await connect();
    p.sock.write(g.bytes);
    await p.closed;
    const e = lastError(p);
    assert.ok(e, JSON.stringify(p.replies));
    assert.equal(e.id, null);
    assert.equal(e.code, g.code);
    await stillAnswers();
  });
}

test('a 100 MB line: refused with too-long, connection closed, daemon memory bounded, still answering', async () => {
  const p = await connect();
  p.sock.write(HELLO);
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  let sent = 0;
  let open = true;
  void p.closed.then(() => { open = false; });
  while (open && sent < 100 * chunk.length) {
    const ok = p.sock.write(chunk);
    sent += chunk.length;
    if (!ok) await new Promise<void>((r) => { p.sock.once('drain', () => r()); p.sock.once('close', () => r()); });
  }
  if (open) p.sock.end('\n');
  await p.closed;
  const e = lastError(p);
  assert.ok(e, JSON.stringify(p.replies));
  assert.equal(e.code, 'too-long');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.proc.pid}/status`, 'utf8'))?.[1]);
  assert.ok(rssKb < 400 * 1024, `daemon RSS ${rssKb} kB after a 100 MB line`);
  await stillAnswers();
});

test('a half-written request, and a client that never says hello: others are answered meanwhile; both time out with an error and are closed', async () => {
  const silent = await connect();
  const p = await connect();
  p.sock.write(`${HELLO}{"type":"status","id":1,"job":"sv`);
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) await stillAnswers();
  await Promise.all([p.closed, silent.closed]);
  const waited = Date.now() - t0;
  assert.equal(p.replies[0]?.type, 'hello');
  assert.equal(lastError(p)?.code, 'timeout', JSON.stringify(p.replies));
  assert.equal(lastError(silent)?.code, 'timeout', JSON.stringify(silent.replies));
  assert.ok(waited > 5000, `closed after ${waited} ms; the stall deadline is 10 s`);
  await stillAnswers();
});

test('a client that sends a request and disconnects at once does not disturb the daemon', async () => {
  for (let i = 0; i < 20; i++) {
    const p = await connect();
    p.sock.end(`${HELLO}{"type":"start","id":1,"job":"svc","env":[],"wait":true}\n`);
    p.sock.destroy();
  }
  await waitForStatus(d, 'svc', 'start/running');
  await stillAnswers();
});
