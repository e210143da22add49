// The socket and file bridges follow init's job list (watch-config) instead of polling it: jobs added later are picked up at once, an idle bridge sends no request, and both bridges carry on across a re-exec and a restart of init.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { existsSync, readFileSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, UPSTART, startDaemon, waitForFile, waitUntil, type DaemonHandle, freePort } from './harness.ts';

const SERVER = `import os, socket
assert os.environ["LISTEN_FDS"] == "1"
s = socket.socket(fileno=3)
while True:
    c, _ = s.accept()
    c.sendall(("hello from %d\\n" % os.getpid()).encode())
    c.close()
`;

let d: DaemonHandle;
/** The daemon started again after the first was killed (the restart test). */
let second: ChildProcess | undefined;
let secondErr = '';
const bridges: Record<'file' | 'socket', { proc: ChildProcess; err: string }> = {} as never;
let w = '';
let py = '';


function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c: Socket = connect({ port, host: '127.0.0.1' });
    let got = '';
    const t = setTimeout(() => { c.destroy(); reject(new Error(`no answer on ${port}; socket bridge said: ${bridges.socket.err}`)); }, 20_000);
    c.setEncoding('utf8').on('data', (s: string) => { got += s; });
    c.on('end', () => { clearTimeout(t); resolve(got); });
    c.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

function startBridge(kind: 'file' | 'socket'): void {
  const proc = spawn(process.execPath, [join(ROOT, `bin/upstart-${kind}-bridge`), '--debug', '--reconnect-for', '3'], {
    env: { ...process.env, UPSTART_SESSION: `unix:path=${d.socket}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  bridges[kind] = { proc, err: '' };
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => { bridges[kind].err += s; });
}

const said = (kind: 'file' | 'socket', text: string): true | undefined => (bridges[kind].err.includes(text) ? true : undefined);
const count = (kind: 'file' | 'socket', text: string): number => bridges[kind].err.split(text).length - 1;

/** A `file` job that writes what it got to OUT, and its file. */
function fileJob(name: string): { file: string; out: string } {
  const file = join(w, name);
  const out = join(d.dir, `${name}.out`);
  d.writeJob(name, `task\nstart on file FILE=${file} EVENT=create\nexec sh -c 'echo "$EVENT $FILE" > "${out}"'\n`);
  return { file, out };
}

async function socketJob(name: string): Promise<number> {
  const port = await freePort();
  d.writeJob(name, `start on socket PROTO=inet PORT=${port} ADDR=127.0.0.1\nexec /usr/bin/python3 ${py}\n`);
  return port;
}

before(async () => {
  d = await startDaemon({});
  w = join(d.dir, 'watched');
  mkdirSync(w);
  py = join(d.dir, 'server.py');
  writeFileSync(py, SERVER);
  fileJob('first');
  await d.initctl(['reload-configuration']);
  startBridge('file');
  startBridge('socket');
  await waitUntil('the file bridge to watch', () => said('file', `watching ${w}/first`));
});

after(async () => {
  for (const b of Object.values(bridges)) if (b.proc.exitCode === null && b.proc.signalCode === null) b.proc.kill('SIGKILL');
  if (second !== undefined && second.exitCode === null) {
    const gone = new Promise((r) => second!.once('exit', r));
    second.kill('SIGTERM');
    await gone;
  }
  await d?.stop();
});

test('jobs added after the bridges started are picked up at once (init streams its job list), and their events work', async () => {
  const late = fileJob('late');
  const port = await socketJob('web');
  // No reload-configuration: init sees the files (inotify) and tells the bridges.
  await waitUntil('the file bridge to watch the new job', () => said('file', `watching ${late.file}`), 10_000);
  await waitUntil('the socket bridge to listen for the new job', () => said('socket', `listening on inet 127.0.0.1:${port}`), 10_000);
  writeFileSync(late.file, '');
  assert.equal(await waitForFile(late.out), `create ${late.file}\n`);
  assert.match(await ask(port), /^hello from \d+\n$/);
});

const straceSkip = existsSync('/usr/bin/strace') ? undefined : 'needs /usr/bin/strace';

test('idle bridges send init no request: strace of the daemon sees only the initctl run in between', { skip: straceSkip }, async () => {
  const trace = join(d.dir, 'strace.txt');
  const st = spawn('/usr/bin/strace', ['-f', '-s', '200', '-e', 'trace=read,readv,recvfrom,recvmsg', '-o', trace, '-p', String(d.proc.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stErr = '';
  st.stderr!.setEncoding('utf8').on('data', (s: string) => { stErr += s; });
  const ended = new Promise((r) => st.once('exit', r));
  try {
    await waitUntil('strace to attach', () => (stErr.includes('attached') ? true : st.exitCode !== null ? stErr || 'strace exited' : undefined), 10_000);
    if (st.exitCode !== null) throw new Error(`strace: ${stErr}`);
    // Longer than the 2 s the bridges used to poll at, twice over.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await d.initctl(['list'])).code, 0);
    await new Promise((r) => setTimeout(r, 2500));
  } finally {
    st.kill('SIGINT');
    await ended;
  }
  const requests = [...readFileSync(trace, 'utf8').matchAll(/\\"type\\":\\"([a-z-]+)\\"/g)].map((m) => m[1]);
  // initctl's one request (its command line, parsed by init), and nothing from the bridges.
  assert.deepEqual(requests, ['command'], readFileSync(trace, 'utf8').slice(0, 4000));
});

test('a re-exec of init: the bridges keep running, connect again, and follow the new image', async () => {
  const before = { file: bridges.file.proc.pid, socket: bridges.socket.proc.pid };
  const port = await socketJob('web-before');
  await waitUntil('the socket bridge to listen', () => said('socket', `listening on inet 127.0.0.1:${port}`), 10_000);
  assert.equal((await d.initctl(['reexec'])).code, 0);
  await waitUntil('both bridges to connect again', () => (count('file', 'connected to init again') === 1 && count('socket', 'connected to init again') === 1 ? true : undefined), 10_000);
  assert.equal(bridges.file.proc.exitCode, null);
  assert.equal(bridges.socket.proc.exitCode, null);
  assert.deepEqual({ file: bridges.file.proc.pid, socket: bridges.socket.proc.pid }, before);
  // A socket bound before the re-exec activates through the new image; a job added after it is followed.
  assert.match(await ask(port), /^hello from \d+\n$/);
  const after = fileJob('after-reexec');
  await waitUntil('the file bridge to watch the job added after the re-exec', () => said('file', `watching ${after.file}`), 10_000);
  writeFileSync(after.file, '');
  assert.equal(await waitForFile(after.out), `create ${after.file}\n`);
});

test('a restart of init (killed, started again on the same socket): the bridges connect to the new daemon and carry on', async () => {
  const gone = new Promise((r) => d.proc.once('exit', r));
  d.proc.kill('SIGKILL');
  await gone;
  second = spawn(process.execPath, [UPSTART, '--user', '--confdir', d.confdir, '--logdir', d.logdir, '--socket', d.socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  second.stderr!.setEncoding('utf8').on('data', (s: string) => { secondErr += s; });
  await waitUntil('both bridges to connect to the new daemon', () => (count('file', 'connected to init again') === 2 && count('socket', 'connected to init again') === 2 ? true : undefined), 15_000)
    .catch((e: Error) => { throw new Error(`${e.message}\ndaemon: ${secondErr}\nfile bridge: ${bridges.file.err}`); });
  const again = fileJob('after-restart');
  const port = await socketJob('web-after');
  await waitUntil('the new job watched', () => said('file', `watching ${again.file}`), 10_000);
  await waitUntil('the new socket bound', () => said('socket', `listening on inet 127.0.0.1:${port}`), 10_000);
  writeFileSync(again.file, '');
  assert.equal(await waitForFile(again.out), `create ${again.file}\n`);
  assert.match(await ask(port), /^hello from \d+\n$/);
});

test('init gone for good: each bridge says what it lost and exits 1 once --reconnect-for has passed', async () => {
  const exits = (['file', 'socket'] as const).map((k) => new Promise<number | null>((r) => bridges[k].proc.once('exit', (code) => r(code))));
  const gone = new Promise((r) => second!.once('exit', r));
  second!.kill('SIGKILL');
  await gone;
  // A file event while init is away is lost, and the file bridge says so.
  writeFileSync(join(w, 'first'), '');
  unlinkSync(join(w, 'first'));
  writeFileSync(join(w, 'first'), '');
  assert.deepEqual(await Promise.all(exits), [1, 1]);
  assert.match(bridges.file.err, /init is not connected: file FILE=\S+\/first EVENT=create is lost, as is every file event until init is back/);
  for (const k of ['file', 'socket'] as const) assert.match(bridges[k].err, /init did not come back within 3 s: .*; exiting/);
});
