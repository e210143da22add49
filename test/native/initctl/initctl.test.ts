// The C initctl client end to end against a real ControlServer in this process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlServer } from '../../../src/control/server.ts';
import { FakeEngine, FakeHooks } from '../../unit/control/fakeEngine.ts';
import { ME, within } from '../../unit/control/serverHarness.ts';
import { buildClient } from './build.ts';

const built = buildClient();
const skip = 'skip' in built ? built.skip : false;
const work = mkdtempSync(join(tmpdir(), 'initctl-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Out {
  stdout: string;
  stderr: string;
  status: number;
}

function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<Out> {
  return new Promise((resolve) => {
    execFile(bin, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ stdout, stderr, status });
    });
  });
}

async function withServer(path: string, fn: (engine: FakeEngine, server: ControlServer) => Promise<void>): Promise<void> {
  const engine = new FakeEngine();
  engine.add('foo').add('bar').add('tty', { instance: '$TTY' });
  engine.setInstances('foo', [{ job: 'foo', instance: '', goal: 'start', state: 'running', processes: [{ process: 'main', pid: 1234 }] }]);
  const server = new ControlServer({ path, engine, hooks: new FakeHooks(), mode: 'session', ownerUid: ME.uid, peerCred: () => ME });
  await server.listen();
  try {
    await fn(engine, server);
  } finally {
    await server.close();
  }
}

test('status, errors and exit statuses through --socket', { skip }, async () => {
  if ('skip' in built) return;
  const sock = join(work, 'a.sock');
  await withServer(sock, async () => {
    assert.deepEqual(await run(built.initctl, ['--socket', sock, 'status', 'foo']), { stdout: 'foo start/running, process 1234\n', stderr: '', status: 0 });
    assert.deepEqual(await run(built.initctl, ['status', 'nope', `--socket=${sock}`]), { stdout: '', stderr: 'initctl: Unknown job: nope\n', status: 1 });
    assert.deepEqual(await run(built.initctl, [`--socket=${sock}`]), {
      stdout: '', stderr: "initctl: missing command\nTry `initctl --help' for more information.\n", status: 1,
    });
    assert.deepEqual(await run(built.initctl, [`--socket=${sock}`, 'start', 'bar']), { stdout: 'bar start/running, process 1000\n', stderr: '', status: 0 });
    const help = await run(built.initctl, [`--socket=${sock}`, '--help']);
    assert.match(help.stdout, /^Usage: initctl /);
  });
});

test('UPSTART_SESSION unix:path= and unix:abstract=, --socket wins, --system ignores it', { skip }, async () => {
  if ('skip' in built) return;
  const sock = join(work, 'b.sock');
  await withServer(sock, async () => {
    const env = { UPSTART_SESSION: `unix:path=${sock}` };
    assert.equal((await run(built.initctl, ['status', 'foo'], env)).stdout, 'foo start/running, process 1234\n');
    const other = await run(built.initctl, ['--socket', join(work, 'none.sock'), 'status', 'foo'], env);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /^initctl: Unable to connect to init at .*none\.sock: No such file or directory\nIs init running\? /);
    const sys = await run(built.initctl, ['--system', 'status', 'foo'], env);
    assert.match(sys.stderr, /Unable to connect to init at \/run\/upstart\/control\.sock/);
    const bad = await run(built.initctl, ['status', 'foo'], { UPSTART_SESSION: 'tcp:host=x' });
    assert.deepEqual(bad, { stdout: '', stderr: 'initctl: UPSTART_SESSION is not a unix:path= or unix:abstract= address: tcp:host=x\n', status: 1 });
  });
  const name = `/upstart-ts/test/${process.pid}/${Date.now()}`;
  await withServer(`\0${name}`, async () => {
    const r = await run(built.initctl, ['status', 'foo'], { UPSTART_SESSION: `unix:abstract=${name},guid=0123` });
    assert.equal(r.stdout, 'foo start/running, process 1234\n');
  });
});

test('a job acting on itself: UPSTART_JOB and UPSTART_INSTANCE reach the daemon', { skip }, async () => {
  if ('skip' in built) return;
  const sock = join(work, 'c.sock');
  await withServer(sock, async (engine) => {
    await engine.start('tty', ['TTY=tty3'], true);
    const r = await run(built.initctl, ['--socket', sock, 'stop'], { UPSTART_JOB: 'tty', UPSTART_INSTANCE: 'tty3' });
    assert.deepEqual(r, { stdout: 'tty (tty3) stop/waiting\n', stderr: '', status: 0 });
    assert.deepEqual(engine.calls.at(-1), 'stop tty TTY=tty3 wait=false');
  });
});

test('bytes survive both ways: quotes, backslashes, tabs, UTF-8', { skip }, async () => {
  if ('skip' in built) return;
  const sock = join(work, 'd.sock');
  await withServer(sock, async () => {
    const value = 'a "quoted" \\ value\twith ünïcödé ✓ and \u0001';
    assert.equal((await run(built.initctl, ['--socket', sock, 'set-env', `X=${value}`])).status, 0);
    assert.deepEqual(await run(built.initctl, ['--socket', sock, 'get-env', 'X']), { stdout: `${value}\n`, stderr: '', status: 0 });
  });
});

test('install-aliases makes links the client dispatches on; bin/initctl passes --as', { skip }, async () => {
  if ('skip' in built) return;
  const sock = join(work, 'e.sock');
  const dir = join(work, 'aliases');
  await withServer(sock, async () => {
    // As in a checkout or an npm install: upstart-service and upstart-rc beside the client.
    const bin = fileURLToPath(new URL('../../../bin', import.meta.url));
    for (const n of ['upstart-service', 'upstart-rc']) if (!existsSync(join(built.dir, n))) symlinkSync(join(bin, n), join(built.dir, n));
    // PATH without another `service`, so there is nothing to note.
    assert.deepEqual(await run(built.initctl, ['install-aliases', dir], { PATH: dir }), { stdout: '', stderr: '', status: 0 });
    for (const n of ['initctl', 'start', 'stop', 'restart', 'reload', 'status']) assert.equal(readlinkSync(join(dir, n)), built.initctl);
    // service and upstart-rc: links to those programs themselves.
    assert.equal(readlinkSync(join(dir, 'service')), realpathSync(join(bin, 'upstart-service')));
    assert.equal(readlinkSync(join(dir, 'upstart-rc')), realpathSync(join(bin, 'upstart-rc')));
    // Again: existing links are replaced, not an error.
    assert.equal((await run(built.initctl, ['install-aliases', dir], { PATH: dir })).status, 0);
    // Another service on PATH is named, not silently shadowed; a service link in DIR that is not ours stays.
    const other = join(work, 'distro');
    mkdirSync(other);
    writeFileSync(join(other, 'service'), '#!/bin/sh\n', { mode: 0o755 });
    const noted = await run(built.initctl, ['install-aliases', dir], { PATH: `${dir}:${other}` });
    assert.equal(noted.status, 0);
    assert.equal(noted.stderr, `initctl: note: ${dir}/service is upstart-service now; ${other}/service stays, and answers where it comes first on PATH\n`);
    const theirs = join(work, 'theirs');
    mkdirSync(theirs);
    symlinkSync(join(other, 'service'), join(theirs, 'service'));
    const left = await run(built.initctl, ['install-aliases', theirs], { PATH: theirs });
    assert.equal(left.status, 1);
    assert.equal(left.stderr, `initctl: ${theirs}/service links to ${other}/service, not upstart-service; left alone\n`);
    assert.equal(readlinkSync(join(theirs, 'service')), join(other, 'service'));
    const env = { UPSTART_SESSION: `unix:path=${sock}` };
    assert.deepEqual(await run(join(dir, 'status'), ['foo'], env), { stdout: 'foo start/running, process 1234\n', stderr: '', status: 0 });
    assert.deepEqual(await run(join(dir, 'start'), ['foo'], env), { stdout: '', stderr: 'start: Job is already running: foo\n', status: 1 });
    assert.deepEqual(await run(built.initctl, ['--as=stop', 'nope'], env), { stdout: '', stderr: 'stop: Unknown job: nope\n', status: 1 });
  });
});

test('events --follow streams until the client is killed, and the daemon lets go', { skip }, async () => {
  if ('skip' in built) return;
  const sock = join(work, 'f.sock');
  await withServer(sock, async (engine) => {
    const child = spawn(built.initctl, ['--socket', sock, 'events', '--follow'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const seen = (s: string): Promise<void> => within(new Promise<void>((resolve) => {
      const check = (): void => {
        if (out.includes(s)) resolve();
      };
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        check();
      });
      check();
    }), 10000, `output ${s}`);
    await seen('spawn foo main process 42');
    await engine.start('bar', [], true);
    await seen('state bar start/running');
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const deadline = Date.now() + 5000;
    while (engine.listenerCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(engine.listenerCount, 0);
  });
});

test('bin/initctl runs the built client when it exists', { skip }, async (t) => {
  const native = new URL('../../../native/build/Release/initctl', import.meta.url).pathname;
  if (!existsSync(native)) {
    t.skip('native/build/Release/initctl is not built (npm run build:native)');
    return;
  }
  const sock = join(work, 'g.sock');
  const wrapper = new URL('../../../bin/initctl', import.meta.url).pathname;
  const link = join(work, 'status');
  symlinkSync(wrapper, link);
  await withServer(sock, async () => {
    assert.equal((await run(wrapper, ['--socket', sock, 'status', 'foo'])).stdout, 'foo start/running, process 1234\n');
    assert.deepEqual(await run(link, ['--socket', sock, 'nope']), { stdout: '', stderr: 'status: Unknown job: nope\n', status: 1 });
  });
});
