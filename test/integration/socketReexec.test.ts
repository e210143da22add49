// Socket activation across a re-exec: the fd the bridge handed to init survives `initctl reexec`, so a job (re)started afterwards still gets it on fd 3 and answers; a state the new image cannot use leaks no kept fd into jobs.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startDaemon, waitForFile, waitUntil, jobStatus, type DaemonHandle, freePort } from './harness.ts';

/** Accepts only on fd 3 from LISTEN_FDS (systemd socket activation) and says its pid. */
const SERVER = `import os, socket
assert os.environ["LISTEN_PID"] == str(os.getpid())
assert os.environ["LISTEN_FDS"] == "1"
s = socket.socket(fileno=3)
while True:
    c, _ = s.accept()
    c.sendall(("hello from %d fds=%s\\n" % (os.getpid(), os.environ["UPSTART_FDS"])).encode())
    c.close()
`;

let d: DaemonHandle;
let bridge: ChildProcess | undefined;
let bridgeErr = '';
let port = 0;


function ask(): Promise<string> {
  return new Promise((resolve, reject) => {
    const c: Socket = connect({ port, host: '127.0.0.1' });
    let got = '';
    const t = setTimeout(() => { c.destroy(); reject(new Error(`no answer; bridge said: ${bridgeErr}`)); }, 20_000);
    c.setEncoding('utf8').on('data', (s: string) => { got += s; });
    c.on('end', () => { clearTimeout(t); resolve(got); });
    c.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

before(async () => {
  d = await startDaemon({});
  port = await freePort();
  const py = join(d.dir, 'server.py');
  writeFileSync(py, SERVER);
  d.writeJob('web', `start on socket PROTO=inet PORT=${port} ADDR=127.0.0.1\nrespawn\nexec /usr/bin/python3 ${py}\n`);
  await d.initctl(['reload-configuration']);
  bridge = spawn(process.execPath, [join(ROOT, 'bin/upstart-socket-bridge'), '--debug'], { env: { ...process.env, UPSTART_SESSION: `unix:path=${d.socket}` }, stdio: ['ignore', 'ignore', 'pipe'] });
  bridge.stderr!.setEncoding('utf8').on('data', (s: string) => { bridgeErr += s; });
  await waitUntil('the bridge to listen', () => (bridgeErr.includes(`listening on inet 127.0.0.1:${port}`) ? true : undefined));
});

after(async () => {
  if (bridge !== undefined && bridge.exitCode === null) bridge.kill('SIGKILL');
  await d?.stop();
});

test('after a re-exec the daemon still holds the activated socket: a respawned server gets it on fd 3 and answers', async () => {
  const first = await ask();
  const st = await jobStatus(d, 'web');
  assert.equal(first, `hello from ${st.pid} fds=3\n`);
  // The bridge is gone: from here on only init holds the socket (the running server aside).
  const gone = new Promise((r) => bridge!.once('exit', r));
  bridge!.kill('SIGKILL');
  await gone;
  const r = await d.initctl(['reexec']);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil('the new image to answer', async () => (await d.initctl(['list'])).code === 0, 10_000, 5);
  // The server dies; respawn starts it again from the new image, which passes the stored fd.
  process.kill(st.pid!, 'SIGKILL');
  const again = await waitUntil('the respawned server', async () => {
    const s = await jobStatus(d, 'web');
    return s.state === 'running' && s.pid !== undefined && s.pid !== st.pid ? s : undefined;
  });
  assert.equal(await ask(), `hello from ${again.pid} fds=3\n`);
  // And a restart by hand, likewise.
  assert.equal((await d.initctl(['restart', 'web'])).code, 0);
  const third = await jobStatus(d, 'web');
  assert.notEqual(third.pid, again.pid);
  assert.equal(await ask(), `hello from ${third.pid} fds=3\n`);
});

test('a state the new image cannot use: the fds the old image kept open (the fd store, pty masters, the notify socket) are not inherited by the jobs it starts', async () => {
  const file = join(d.dir, 'newer-state.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(new URL('../fixtures/state/format-2.json', import.meta.url), 'utf8')), format: 999 }));
  const r = await d.initctl(['reexec', `--with-state=${file}`]);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil('the warning', () => /the state cannot be used/.test(d.stderr()), 10_000);
  await waitUntil('the new image to answer', async () => (await d.initctl(['list'])).code === 0, 10_000, 5);
  const out = join(d.dir, 'fds.txt');
  // listdir's own directory fd is the one beyond stdio.
  d.writeJob('fds', `task\nconsole none\nexec /usr/bin/python3 -c "import os; l = sorted(os.listdir('/proc/self/fd'), key=int); open('${out}', 'w').write(' '.join(l) + chr(10))"\n`);
  await d.initctl(['reload-configuration']);
  assert.equal((await d.initctl(['start', 'fds'])).code, 0);
  assert.equal(await waitForFile(out), '0 1 2 3\n');
});
