// Privileged: the system daemon as PID 1 of new user, PID and mount namespaces: telinit 3, runlevel, shutdown -h now in stop-on order, reboot.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendants, killIfAlive, ROOT, run, UPSTART, waitUntil } from '../../integration/harness.ts';

const UNSHARE = ['--user', '--map-root-user', '--pid', '--fork', '--mount', '--mount-proc'];
const why = process.getuid?.() !== 0
  ? 'needs root (unshare --pid)'
  : spawnSync('unshare', [...UNSHARE, '/bin/true']).status !== 0 ? 'needs unshare with user namespaces (util-linux)' : '';
if (why) console.log(`# skipping runlevels and shutdown as PID 1: ${why}`);

const bin = (name: string): string => join(ROOT, 'bin', name);
const dirs: string[] = [];
const started: ChildProcess[] = [];
after(() => {
  for (const u of started) {
    if (u.pid !== undefined) for (const p of descendants(u.pid)) killIfAlive(p);
    if (u.exitCode === null && u.signalCode === null) u.kill('SIGKILL');
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Machine {
  dir: string;
  socket: string;
  log: () => string;
  /** Resolves with unshare's exit: the signal its init died of (re-raised), or 128+N. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  cmd: (name: string, args: string[]) => ReturnType<typeof run>;
}

/** Boots the daemon as PID 1 of its own namespaces with these jobs; resolves once it listens. */
async function boot(jobs: Record<string, string>): Promise<Machine> {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-runlevels-'));
  dirs.push(dir);
  const confdir = join(dir, 'conf');
  mkdirSync(confdir);
  mkdirSync(join(dir, 'log'));
  for (const [name, text] of Object.entries(jobs)) writeFileSync(join(confdir, `${name}.conf`), text.replaceAll('$DIR', dir));
  const socket = join(dir, 'control.sock');
  const u = spawn('unshare', [...UNSHARE, process.execPath, UPSTART, '--system', '--no-container', '--confdir', confdir, '--logdir', join(dir, 'log'),
    '--socket', socket, '--utmp', join(dir, 'utmp'), '--wtmp', join(dir, 'wtmp'), '--shutdown-timeout', '30'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, container: undefined, UPSTART_SESSION: undefined },
  });
  started.push(u);
  let err = '';
  u.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  u.stdout!.resume();
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => u.once('exit', (code, signal) => r({ code, signal })));
  await waitUntil('the daemon to listen', () => err.includes(' mode: socket ') || u.exitCode !== null, 30_000);
  assert.equal(u.exitCode, null, err);
  const env = { UPSTART_SESSION: `unix:path=${socket}`, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined };
  return { dir, socket, log: () => err, ended, cmd: (name, args) => run(bin(name), args, env) };
}

const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);

/** unshare re-raises the signal its child died of (util-linux), or exits 128+N. */
function diedOf(e: { code: number | null; signal: NodeJS.Signals | null }, signal: 'SIGINT' | 'SIGHUP'): boolean {
  return e.signal === signal || e.code === 128 + (signal === 'SIGHUP' ? 1 : 2);
}

const JOBS = {
  b: 'start on runlevel [2345]\nstop on runlevel [!2345]\nexec sleep 7101\npre-stop exec sh -c \'echo b-pre-stop >> $DIR/order\'\npost-stop exec sh -c \'echo b-stopped >> $DIR/order\'\n',
  a: 'start on started b\nstop on stopping b\nexec sleep 7102\npre-stop exec sh -c \'echo a-pre-stop >> $DIR/order\'\npost-stop exec sh -c \'echo a-stopped >> $DIR/order\'\n',
  c: 'start on started b\nexec sleep 7103\npost-stop exec sh -c \'echo c-stopped >> $DIR/order\'\n',
  seen: 'start on runlevel\ntask\nexec sh -c \'echo "$RUNLEVEL $PREVLEVEL ${INIT_HALT:-}" >> $DIR/runlevels\'\n',
};

test('telinit 3 then shutdown -h now: runlevel says 2 3, the event reached the jobs, they stop in stop-on order, init ends with SIGINT', { skip: why || false, timeout: 120_000 }, async () => {
  const m = await boot(JOBS);
  assert.deepEqual(await m.cmd('runlevel', []), { stdout: 'unknown\n', stderr: '', code: 1 });
  assert.equal((await m.cmd('telinit', ['2'])).code, 0);
  await waitUntil('a, b and c to run', async () => {
    const r = await run(bin('initctl'), ['--socket', m.socket, 'list']);
    return ['a', 'b', 'c'].every((j) => new RegExp(`^${j} start/running, process \\d+$`, 'm').test(r.stdout));
  });
  assert.deepEqual(await m.cmd('telinit', ['3']), { stdout: '', stderr: '', code: 0 });
  assert.deepEqual(await m.cmd('runlevel', []), { stdout: '2 3\n', stderr: '', code: 0 });
  await waitUntil('the runlevel 3 event to reach the seen job', () => lines(join(m.dir, 'runlevels')).includes('3 2 '));
  assert.deepEqual(lines(join(m.dir, 'runlevels')), ['2 N ', '3 2 ']);
  // utmp holds the runlevel record who -r reads.
  if (existsSync('/usr/bin/who')) {
    const who = await run('/usr/bin/who', ['-r', join(m.dir, 'utmp')]);
    assert.match(who.stdout, /run-level 3 .* last=2/, who.stdout + who.stderr);
  }
  // Bad input changes nothing.
  assert.equal((await m.cmd('telinit', ['9'])).code, 1);
  assert.match((await m.cmd('shutdown', ['+x'])).stderr, /^shutdown: invalid time: \+x/);
  assert.deepEqual(await m.cmd('runlevel', []), { stdout: '2 3\n', stderr: '', code: 0 });
  // telinit u re-executes init, which keeps its runlevel across the exec.
  const u = await m.cmd('telinit', ['u']);
  assert.equal(u.code, 0, u.stderr);
  await waitUntil('the re-executed init to answer with its runlevel', async () => (await m.cmd('runlevel', [])).stdout === '2 3\n', 30_000);
  // A timed shutdown is pending, replaced, then cancelled.
  assert.deepEqual(await m.cmd('shutdown', ['-r', '+10']), { stdout: '', stderr: '', code: 0 });
  assert.match((await m.cmd('shutdown', ['-h', '+20'])).stderr, /^shutdown: the pending shutdown \(runlevel 6 at \d\d:\d\d\) is replaced by this one\n$/);
  assert.equal((await m.cmd('shutdown', ['-c'])).code, 0);
  assert.deepEqual(await m.cmd('shutdown', ['-c']), { stdout: '', stderr: 'shutdown: no shutdown is pending\n', code: 1 });

  const r = await m.cmd('shutdown', ['-h', 'now']);
  assert.equal(r.code, 0, r.stderr);
  const e = await m.ended;
  assert.ok(diedOf(e, 'SIGINT'), `ended with ${JSON.stringify(e)}\n${m.log()}`);
  const order = lines(join(m.dir, 'order'));
  // b's pre-stop runs before its stopping event; a (stop on stopping b) then stops before b goes on; c (no stop on) last.
  assert.deepEqual(order, ['b-pre-stop', 'a-pre-stop', 'a-stopped', 'b-stopped', 'c-stopped'], m.log());
  assert.ok(lines(join(m.dir, 'runlevels')).includes('0 3 '), lines(join(m.dir, 'runlevels')).join('|'));
  for (const said of ['runlevel 0: stopping every job in order, then power off', 'Sending all processes the TERM signal', 'Will now power off']) {
    assert.ok(m.log().includes(said), `${said}\n${m.log()}`);
  }
});

test('reboot asks init for runlevel 6, and the namespace\'s init ends with SIGHUP', { skip: why || false, timeout: 120_000 }, async () => {
  const m = await boot(JOBS);
  assert.equal((await m.cmd('telinit', ['2'])).code, 0);
  await waitUntil('b to run', async () => /^b start\/running/m.test((await run(bin('initctl'), ['--socket', m.socket, 'list'])).stdout));
  const r = await m.cmd('reboot', []);
  assert.equal(r.code, 0, r.stderr);
  const e = await m.ended;
  assert.ok(diedOf(e, 'SIGHUP'), `ended with ${JSON.stringify(e)}\n${m.log()}`);
  assert.ok(lines(join(m.dir, 'runlevels')).includes('6 2 '));
  assert.ok(m.log().includes('Will now restart'), m.log());
});
