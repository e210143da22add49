// Native reaper, pty, fd and process calls: subreaper orphans, stops, last pty byte, CLOEXEC, kill, rlimits, sockets.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, Socket as NetSocket, type Socket } from 'node:net';
import { mkdtempSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as native from '../../../src/sys/index.ts';
import { SyscallError } from '../../../src/sys/syscallError.ts';
import { nextStatus, readAll, run, SH_ENV, stopReaping, waitEnd } from './helpers/reap.ts';

const dir = mkdtempSync(join(tmpdir(), 'upstart-native-'));
after(() => { rmSync(dir, { recursive: true, force: true }); stopReaping(); });

test('as child subreaper, a double-forked grandchild is reaped by us', async () => {
  native.setChildSubreaper(true);
  assert.equal(native.isChildSubreaper(), true);
  // The shell starts a background sleep, prints its pid and exits: the sleep is reparented to us.
  const { out, status } = await run({ argv: ['sh', '-c', '(sleep 0.3 & echo $!) ; exit 0'], env: SH_ENV });
  assert.equal(status.kind, 'exited');
  const grandchild = Number(out.trim());
  assert.ok(grandchild > 1);
  const end = await waitEnd(grandchild);
  assert.deepEqual([end.kind, end.status], ['exited', 0]);
});

test('killed, dumped-or-killed and stopped statuses carry the signal', async () => {
  const pid = native.spawn({ argv: ['sleep', '30'], env: SH_ENV });
  native.kill(pid, 'STOP');
  const stopped = await nextStatus(pid);
  assert.deepEqual([stopped.kind, stopped.signal], ['stopped', 19]);
  native.kill(pid, 'TERM');
  native.kill(pid, 'CONT');
  const end = await waitEnd(pid);
  assert.deepEqual([end.kind, end.signal], ['killed', 15]);
});

test('killGroup signals the whole process group', async () => {
  const [r, w] = native.pipe();
  const pid = native.spawn({ argv: ['sh', '-c', 'sleep 30 & echo $!; wait'], env: SH_ENV, setsid: true, stdio: ['null', w, 'null'] });
  native.closeFd(w);
  const out = await firstLine(r);
  const sleeper = Number(out.trim());
  native.killGroup(pid, 'KILL');
  const [a, b] = await Promise.all([waitEnd(pid), waitEnd(sleeper)]);
  assert.deepEqual([a.kind, a.signal, b.kind, b.signal], ['killed', 9, 'killed', 9]);
});

/** The first line written to `fd`; closes fd. */
function firstLine(fd: number): Promise<string> {
  const s = new NetSocket({ fd, readable: true, writable: false });
  let text = '';
  return new Promise((resolve, reject) => {
    s.on('data', (c: Buffer) => { text += c.toString(); if (text.includes('\n')) { s.destroy(); resolve(text.split('\n')[0]!); } });
    s.on('error', reject);
  });
}

test('kill of a missing process throws SyscallError ESRCH', () => {
  assert.throws(() => native.kill(0x3ffffff0, 0), (e: unknown) => e instanceof SyscallError && e.code === 'ESRCH' && e.syscall === 'kill');
});

test('kdSigAccept: a file that is not a console is refused by the ioctl; a missing one by open', () => {
  const isErr = (syscall: string, codes: string[]) => (e: unknown): boolean => e instanceof SyscallError && e.syscall === syscall && codes.includes(e.code);
  // /dev/null has no keyboard: the ioctl is refused (ENOTTY, or EINVAL from some drivers) and nothing else happens.
  assert.throws(() => native.kdSigAccept('/dev/null', 'WINCH'), isErr('ioctl', ['ENOTTY', 'EINVAL']));
  assert.throws(() => native.kdSigAccept('/nonexistent/tty0', 'WINCH'), isErr('open', ['ENOENT']));
});

test('pty output is read to the last byte when the writer exits at once', async () => {
  for (const size of [1, 4095, 4096, 200_000]) {
    const pty = native.openpty({ raw: true });
    const pid = native.spawn({
      argv: ['sh', '-c', `head -c ${size} /dev/zero | tr '\\0' x`], env: SH_ENV,
      stdio: ['null', pty.slave, pty.slave], setsid: true, controllingTty: false,
    });
    native.closeFd(pty.slave);
    const [out, end] = await Promise.all([readAll(pty.master), waitEnd(pid)]);
    assert.equal(end.status, 0);
    assert.equal(out.length, size, `all ${size} bytes`);
  }
});

test('openpty: master non-blocking and close-on-exec, slave close-on-exec', () => {
  const pty = native.openpty();
  try {
    assert.equal(native.getCloexec(pty.master), true);
    assert.equal(native.getCloexec(pty.slave), true);
    assert.equal(native.isatty(pty.slave), true);
    assert.match(pty.path, /^\/dev\/pts\/\d+$/);
    assert.throws(() => readSync(pty.master, Buffer.alloc(10)), (e: NodeJS.ErrnoException) => e.code === 'EAGAIN');
  } finally {
    native.closeFd(pty.master);
    native.closeFd(pty.slave);
  }
});

test('setCloexec sets and clears FD_CLOEXEC', () => {
  const [r, w] = native.pipe();
  try {
    native.setCloexec(r, false);
    assert.equal(native.getCloexec(r), false);
    native.setCloexec(r, true);
    assert.equal(native.getCloexec(r), true);
  } finally {
    native.closeFd(r);
    native.closeFd(w);
  }
});

test('getrlimit/setrlimit act on the daemon itself; raiseNofileLimit lifts soft to hard', () => {
  const before = native.getrlimit('nofile');
  native.setrlimit('nofile', { soft: 256, hard: before.hard });
  assert.deepEqual(native.getrlimit('nofile'), { soft: 256, hard: before.hard });
  assert.equal(native.raiseNofileLimit(), before.hard);
  assert.equal(native.getrlimit('nofile').soft, before.hard);
  assert.throws(() => native.setrlimit('nofile', { soft: 10, hard: 5 }), (e: unknown) => e instanceof SyscallError && e.code === 'EINVAL');
});

test('peerCred reports the connected peer', async () => {
  const path = join(dir, 'cred.sock');
  const server = createServer();
  await new Promise<void>((r) => server.listen(path, r));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const client = createConnection(path);
  const conn = await accepted;
  try {
    const fd = (conn as unknown as { _handle: { fd: number } })._handle.fd;
    assert.deepEqual(native.peerCred(fd), { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
  } finally {
    client.destroy();
    conn.destroy();
    server.close();
  }
});

test('an AF_UNIX datagram socket delivers each datagram with the sender credentials', async () => {
  const path = join(dir, 'notify.sock');
  const got: Array<{ text: string; pid: number }> = [];
  let wake: () => void = () => {};
  const sock = native.openDgramSocket(path, (data, sender) => { got.push({ text: data.toString(), pid: sender.pid }); wake(); });
  try {
    const { status } = await run({ argv: ['sh', '-c', `python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'READY=1', sys.argv[1])" ${path}`], env: SH_ENV });
    assert.equal(status.status, 0);
    if (got.length === 0) await new Promise<void>((resolve, reject) => { wake = resolve; setTimeout(() => reject(new Error('no datagram')), 5000); });
    assert.equal(got[0]!.text, 'READY=1');
    assert.ok(got[0]!.pid > 0);
  } finally {
    sock.close();
  }
});
