// upstart-socket-bridge against the real daemon: a systemd-style socket-activated server (accepts only on fd 3 from LISTEN_FDS) answers the first connection, inet and unix; after its job stops, the next connection starts it again.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startDaemon, waitUntil, jobStatus, type DaemonHandle, freePort } from './harness.ts';

/** A daemon written for systemd socket activation: it never binds, it checks LISTEN_PID and LISTEN_FDS and accepts on fd 3. */
const SERVER = `import os, socket, sys
assert os.environ["LISTEN_PID"] == str(os.getpid()), "LISTEN_PID is not mine"
assert os.environ["LISTEN_FDS"] == "1"
s = socket.socket(fileno=3)
assert s.getblocking(), "fd 3 is non-blocking"
tag = os.environ["UPSTART_FDS"] + " " + os.environ["LISTEN_FDNAMES"] + " " + os.environ.get("UPSTART_EVENTS", "")
while True:
    c, _ = s.accept()
    c.sendall(("hello from %d fds=%s\\n" % (os.getpid(), tag)).encode())
    c.close()
`;

let d: DaemonHandle;
let bridge: ChildProcess;
let bridgeErr = '';
let port = 0;
let sockPath = '';


/** Connects and reads the first line the server says. */
function ask(target: { port: number; host: string } | { path: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const c: Socket = connect(target as never);
    let got = '';
    const t = setTimeout(() => { c.destroy(); reject(new Error(`no answer; bridge said: ${bridgeErr}`)); }, 20_000);
    c.setEncoding('utf8').on('data', (s: string) => { got += s; });
    c.on('end', () => { clearTimeout(t); resolve(got); });
    c.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

function startBridge(): void {
  bridgeErr = '';
  bridge = spawn(process.execPath, [join(ROOT, 'bin/upstart-socket-bridge'), '--debug', '--refresh-ms', '300'], { env: { ...process.env, UPSTART_SESSION: `unix:path=${d.socket}` }, stdio: ['ignore', 'ignore', 'pipe'] });
  bridge.stderr!.setEncoding('utf8').on('data', (s: string) => { bridgeErr += s; });
}

before(async () => {
  d = await startDaemon({});
  port = await freePort();
  sockPath = join(d.dir, 'activated.sock');
  const py = join(d.dir, 'server.py');
  writeFileSync(py, SERVER);
  d.writeJob('web', `start on socket PROTO=inet PORT=${port} ADDR=127.0.0.1\nexec /usr/bin/python3 ${py}\n`);
  d.writeJob('local', `start on socket PROTO=unix SOCKET_PATH=${sockPath}\nexec /usr/bin/python3 ${py}\n`);
  await d.initctl(['reload-configuration']);
  startBridge();
  await waitUntil('the bridge to listen on both sockets', () => bridgeErr.includes(`listening on inet 127.0.0.1:${port}`) && bridgeErr.includes(`listening on unix ${sockPath}`) ? true : undefined);
});

after(async () => {
  if (bridge && bridge.exitCode === null) bridge.kill('SIGKILL');
  await d?.stop();
});

test('inet: the first connection starts the job, whose process answers it on fd 3 (LISTEN_PID its own, UPSTART_FDS=3)', async () => {
  assert.equal((await jobStatus(d, 'web')).goal, 'stop');
  const line = await ask({ port, host: '127.0.0.1' });
  const st = await jobStatus(d, 'web');
  assert.equal(st.state, 'running');
  assert.equal(line, `hello from ${st.pid} fds=3 inet-127.0.0.1-${port} socket\n`);
  // Later connections go straight to the running server.
  assert.equal(await ask({ port, host: '127.0.0.1' }), line);
  const events = (await d.initctl(['events'])).stdout;
  assert.match(events, new RegExp(`event socket PROTO=inet PORT=${port} ADDR=127\\.0\\.0\\.1 LISTEN_FDNAMES=inet-127\\.0\\.0\\.1-${port}\\n`));
});

test('unix: SOCKET_PATH works the same; after the job stops, the next connection starts it again', async () => {
  const first = await ask({ path: sockPath });
  const st = await jobStatus(d, 'local');
  assert.match(first, new RegExp(`^hello from ${st.pid} fds=3 unix-`));
  assert.equal((await d.initctl(['stop', 'local'])).code, 0);
  const again = await ask({ path: sockPath });
  const st2 = await jobStatus(d, 'local');
  assert.notEqual(st2.pid, st.pid);
  assert.match(again, new RegExp(`^hello from ${st2.pid} `));
});

test('a bridge killed while its job serves: the job serves on; a new bridge takes the address back once the job stops, and activates again', async () => {
  const serving = await jobStatus(d, 'web');
  assert.equal(serving.state, 'running');
  const old = bridge;
  const gone = new Promise((r) => old.once('exit', r));
  old.kill('SIGKILL');
  await gone;
  startBridge();
  assert.match(await ask({ port, host: '127.0.0.1' }), new RegExp(`^hello from ${serving.pid} `));
  await waitUntil('the new bridge to find the address in use', () => (bridgeErr.includes('the address is in use') ? true : undefined));
  assert.equal((await d.initctl(['stop', 'web'])).code, 0);
  await waitUntil('the new bridge to listen', () => (bridgeErr.includes(`listening on inet 127.0.0.1:${port}`) ? true : undefined));
  const line = await ask({ port, host: '127.0.0.1' });
  const again = await jobStatus(d, 'web');
  assert.notEqual(again.pid, serving.pid);
  assert.match(line, new RegExp(`^hello from ${again.pid} `));
});
