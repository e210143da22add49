// The C initctl against a daemon that hangs up first: it says what happened and exits 1, never dies of SIGPIPE (exit 141).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer } from '../../../src/control/server.ts';
import { FakeEngine, FakeHooks } from '../../unit/control/fakeEngine.ts';
import { buildClient } from './build.ts';

const built = buildClient();
const skip = 'skip' in built ? built.skip : false;
const work = mkdtempSync(join(tmpdir(), 'initctl-closed-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(bin: string, args: string[]): Promise<{ stdout: string; stderr: string; status: number | string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : (err.code ?? err.signal ?? -1);
      resolve({ stdout, stderr, status: typeof status === 'number' || typeof status === 'string' ? status : -1 });
    });
  });
}

async function listen(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
}

/** Arguments too big for the socket buffers: the write can only finish if the daemon reads it. */
const BIG: string[] = Array.from({ length: 12 }, () => 'x'.repeat(120_000));

test('a socket that closes at once: an error message and exit 1, for a small and a large request', { skip }, async () => {
  if ('skip' in built) return;
  const path = join(work, 'slam.sock');
  const server = createServer((s) => s.destroy());
  await listen(server, path);
  try {
    const small = await run(built.initctl, ['--socket', path, 'list']);
    assert.equal(small.status, 1, JSON.stringify(small));
    assert.match(small.stderr, /^initctl: init closed the connection before (the command finished( \(Connection reset by peer\))?|the request was sent \(.+\))\n$/);
    const large = await run(built.initctl, ['--socket', path, 'status', ...BIG]);
    assert.equal(large.status, 1, JSON.stringify(large));
    assert.match(large.stderr, /^initctl: init closed the connection before the request was sent \((Broken pipe|Connection reset by peer)\)\n$/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a daemon that refuses the connection: its reason is printed, exit 1', { skip }, async () => {
  if ('skip' in built) return;
  const path = join(work, 'busy.sock');
  const server = new ControlServer({
    path, engine: new FakeEngine(), hooks: new FakeHooks(), mode: 'session', ownerUid: 1000,
    peerCred: () => ({ pid: 1, uid: 65534, gid: 65534 }), limits: { perUidConnections: 0 },
  });
  await server.listen();
  try {
    for (const args of [['list'], ['status', ...BIG]]) {
      const r = await run(built.initctl, ['--socket', path, ...args]);
      assert.deepEqual({ status: r.status, stderr: r.stderr, stdout: r.stdout }, {
        status: 1, stdout: '', stderr: 'initctl: too many connections from uid 65534 (limit 0 per user)\n',
      });
    }
  } finally {
    await server.close();
  }
});
