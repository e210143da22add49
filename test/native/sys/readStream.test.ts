// readStream: a connected stream socket read with recvmsg from a dup of its fd: bytes in order, fds passed with them, the end said once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeFd } from '../../../src/sys/fds.ts';
import { readStream, type StreamReader } from '../../../src/sys/socket.ts';

const PYTHON = '/usr/bin/python3';

// The client waits for the server's go, then sends bytes, bytes with a pipe's read end (SCM_RIGHTS), bytes, and closes.
const CLIENT = `
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.recv(1)
r, w = os.pipe()
os.write(w, b'in the pipe')
os.close(w)
s.sendall(b'abc')
s.sendmsg([b'def'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r]))])
os.close(r)
s.sendall(b'ghi')
s.close()
`;

test('bytes and the fd that came with them reach the callback; the end comes once, as null', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-readstream-'));
  const path = join(dir, 's.sock');
  const chunks: Buffer[] = [];
  const fds: number[] = [];
  let ends = 0;
  let reader: StreamReader | undefined;
  let conn: Socket | undefined;
  const ended = new Promise<void>((resolve) => {
    const server = createServer((s) => {
      conn = s;
      // As the D-Bus stream does it: the net.Socket stops reading for good before anything is sent.
      (s as unknown as { _read: () => void })._read = () => undefined;
      const handle = (s as unknown as { _handle: { fd: number; readStop(): number; reading: boolean } })._handle;
      handle.readStop();
      handle.reading = false;
      reader = readStream(handle.fd, (data, info) => {
        if (info.fds !== undefined) fds.push(...info.fds);
        if (data === null) {
          ends++;
          server.close();
          resolve();
        } else chunks.push(data);
      });
      s.write('g');
    });
    server.listen(path);
  });
  const client = spawn(PYTHON, ['-c', CLIENT, path], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<number | null>((r) => client.once('exit', r));
  try {
    await ended;
    assert.equal(await exited, 0);
    assert.equal(Buffer.concat(chunks).toString(), 'abcdefghi');
    assert.equal(fds.length, 1);
    const b = Buffer.alloc(64);
    const n = readSync(fds[0]!, b, 0, 64, null);
    assert.equal(b.subarray(0, n).toString(), 'in the pipe');
    // Level-triggered readability at the end would have called again had the reader not stopped.
    await new Promise((r) => setImmediate(r));
    assert.equal(ends, 1);
  } finally {
    for (const f of fds) closeFd(f);
    reader?.close();
    conn?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
