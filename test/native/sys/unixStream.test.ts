// unixStream: abstract names bound and connected by their exact length (as C clients mean them), usable from net.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { SyscallError } from '../../../src/sys/index.ts';
import { unixStream } from '../../../src/sys/socket.ts';

test('an abstract name is bound exactly (no padding) and a connect to it reaches the server', async () => {
  const name = `/upstart-ts-test/unixStream-${process.pid}`;
  const fd = unixStream(`@${name}`, true);
  const table = readFileSync('/proc/net/unix', 'latin1');
  assert.ok(table.split('\n').some((l) => l.endsWith(` @${name}`)), 'listed with its exact name');
  const server = createServer((s) => s.end('hello'));
  await new Promise<void>((r) => server.listen({ fd }, () => r()));
  try {
    const c = new Socket({ fd: unixStream(`@${name}`, false), readable: true, writable: true });
    let got = '';
    c.setEncoding('utf8').on('data', (x: string) => { got += x; });
    await new Promise((r) => c.once('end', r));
    assert.equal(got, 'hello');
    c.destroy();
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('nothing there: ECONNREFUSED as a SyscallError; bad arguments are TypeErrors', () => {
  assert.throws(() => unixStream(`@/upstart-ts-test/none-${process.pid}`, false), (e: unknown) => e instanceof SyscallError && e.code === 'ECONNREFUSED');
  assert.throws(() => unixStream('', true), TypeError);
});
