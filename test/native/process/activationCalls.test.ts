// Native calls for socket activation and readiness: fdMap and pidEnv in spawn, listening sockets, fds over a datagram socket, readability watches.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as native from '../../../src/sys/index.ts';
import { run, SH_ENV, stopReaping } from './helpers/reap.ts';

const dir = mkdtempSync(join(tmpdir(), 'upstart-native-act-'));
after(() => { rmSync(dir, { recursive: true, force: true }); stopReaping(); });

test('fdMap puts a daemon fd on fd 3 (blocking, open across exec) and pidEnv writes the child its own pid', async () => {
  const lfd = native.listenSocket('inet', '127.0.0.1', 0, 8);
  const py = 'import os, socket; s = socket.socket(fileno=3); print(os.environ["LISTEN_PID"] == str(os.getpid()), os.environ["WATCHDOG_PID"] == str(os.getpid()), s.getsockname()[0], os.get_blocking(3), os.environ.get("KEEP"))';
  const { out, status } = await run({ argv: ['/usr/bin/python3', '-c', py], env: [...SH_ENV, 'LISTEN_PID=1', 'KEEP=yes'], fdMap: [[lfd, 3]], pidEnv: ['LISTEN_PID', 'WATCHDOG_PID'] });
  native.closeFd(lfd);
  assert.deepEqual([status.kind, status.status], ['exited', 0]);
  assert.equal(out.trim(), 'True True 127.0.0.1 True yes');
});

test('fdMap moves several fds whose sources sit on each other\'s targets', async () => {
  const [r1, w1] = native.pipe();
  const [r2, w2] = native.pipe();
  // w2 -> 5 and w1 -> 6; then the child writes to 5 and 6.
  const { status } = await run({ argv: ['sh', '-c', 'echo five >&5; echo six >&6'], env: SH_ENV, fdMap: [[w2, 5], [w1, 6]] });
  native.closeFd(w1);
  native.closeFd(w2);
  assert.equal(status.kind, 'exited');
  const read = (fd: number): string => { const b = Buffer.alloc(64); const n = readSync(fd, b); return b.subarray(0, n).toString(); };
  assert.equal(read(r2), 'five\n');
  assert.equal(read(r1), 'six\n');
  native.closeFd(r1);
  native.closeFd(r2);
});

test('a listening unix socket is readable once a client connects; its fd travels over a datagram socket (SCM_RIGHTS) and still accepts', async () => {
  const path = join(dir, 'act.sock');
  const lfd = native.listenSocket('unix', path);
  const got: { fds?: number[]; text: string }[] = [];
  const d = native.openDgramSocket(join(dir, 'store.sock'), (data, sender) => got.push({ text: data.toString(), ...(sender.fds ? { fds: sender.fds } : {}) }));
  native.sendDgram(join(dir, 'store.sock'), Buffer.from('FDSTORE=1\nFDNAME=x'), [lfd]);
  d.drain();
  assert.equal(got.length, 1);
  assert.equal(got[0]!.text, 'FDSTORE=1\nFDNAME=x');
  const copy = got[0]!.fds![0]!;
  assert.notEqual(copy, lfd);
  const readable = new Promise<void>((resolve) => {
    const w = native.watchReadable(copy, () => { w.close(); resolve(); });
  });
  const client = connect(path);
  await readable;
  // Watching did not make the socket non-blocking for the job it is handed to.
  const { out } = await run({ argv: ['/usr/bin/python3', '-c', 'import os; print(os.get_blocking(3))'], env: SH_ENV, fdMap: [[copy, 3]] });
  assert.equal(out.trim(), 'True');
  client.destroy();
  d.close();
  native.closeFd(copy);
  native.closeFd(lfd);
  assert.throws(() => native.listenSocket('unix', join(dir)), /bind/);
});
