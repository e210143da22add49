// The Node initctl (src/cli/initctl.ts) behaves as the C one: same argv → same stdout, stderr, exit status, links.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlServer } from '../../../src/control/server.ts';
import { FakeEngine, FakeHooks } from '../../unit/control/fakeEngine.ts';
import { ME } from '../../unit/control/serverHarness.ts';
import { buildClient } from './build.ts';

const built = buildClient();
const skip = 'skip' in built ? built.skip : false;
const work = mkdtempSync(join(tmpdir(), 'initctl-parity-'));
after(() => rmSync(work, { recursive: true, force: true }));
const cli = fileURLToPath(new URL('../../../src/cli/initctl.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Out {
  stdout: string;
  stderr: string;
  status: number;
}

function run(file: string, args: string[], env: Record<string, string>): Promise<Out> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8', cwd: root }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, status: err === null ? 0 : typeof err.code === 'number' ? err.code : -1 });
    });
  });
}

function runNode(args: string[], env: Record<string, string>): Promise<Out> {
  // As a script: src/cli/initctl.ts runs main itself when it is the entry (as `node dist/cli/initctl.js` does).
  return run(process.execPath, ['--import', 'tsx', cli, ...args], env);
}

test('same output and status from the C and the Node client', { skip }, async () => {
  if ('skip' in built) return;
  const sock = join(work, 'p.sock');
  const engine = new FakeEngine();
  engine.add('foo').add('tty', { instance: '$TTY' });
  engine.setInstances('foo', [{ job: 'foo', instance: '', goal: 'start', state: 'running', processes: [{ process: 'main', pid: 1234 }] }]);
  const server = new ControlServer({ path: sock, engine, hooks: new FakeHooks(), mode: 'session', ownerUid: ME.uid, peerCred: () => ME });
  await server.listen();
  try {
    const env = { UPSTART_SESSION: `unix:path=${sock}` };
    const cases: Array<{ args: string[]; env?: Record<string, string> }> = [
      { args: ['status', 'foo'] },
      { args: ['status', 'nope'] },
      { args: ['--as=start', 'foo'] },
      { args: ['list', '--json'] },
      { args: [] },
      { args: ['--frob'] },
      { args: ['status'], env: { UPSTART_JOB: 'foo', UPSTART_INSTANCE: '' } },
      { args: ['--socket', join(work, 'nothing.sock'), 'list'] },
      { args: ['install-aliases'] },
      // Answered by the client itself, daemon or none (src/cli/clientHelp.ts, native/initctl/help.h).
      { args: ['--help'] },
      { args: ['--version'] },
      { args: ['-qh'] },
      { args: ['help'] },
      { args: ['help', 'stop'] },
      { args: ['help', 'nope'] },
      { args: ['emit', '--help'] },
      { args: ['--as=status', '--help'] },
      { args: ['nope', '--help'] },
      { args: ['status', '--', '--help'] },
    ];
    for (const c of cases) {
      const e = { ...env, ...c.env };
      const [a, b]: [Out, Out] = await Promise.all([run(built.initctl, c.args, e), runNode(c.args, e)]);
      if (c.args.includes('--socket')) {
        // The connect error names the reason in each runtime's words; both say where and fail with 1.
        assert.equal(a.status, 1);
        assert.equal(b.status, 1);
        assert.match(a.stderr, /^initctl: Unable to connect to init/);
        assert.match(b.stderr, /^initctl: Unable to connect to init/);
        continue;
      }
      assert.deepEqual(b, a, c.args.join(' '));
    }
  } finally {
    await server.close();
  }
});

test('list-sessions: both clients read the caller\'s session files themselves, with no daemon to reach', { skip }, async () => {
  if ('skip' in built) return;
  const runtime = join(work, 'runtime');
  const dir = join(runtime, 'upstart', 'sessions');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${process.pid}.session`), 'UPSTART_SESSION=unix:path=/run/user/7/upstart/"odd".sock\n');
  writeFileSync(join(dir, '1.session'), 'no address here\n');
  writeFileSync(join(dir, '2147483646.session'), 'UPSTART_SESSION=unix:path=/gone.sock\n');
  writeFileSync(join(dir, 'x.session'), 'UPSTART_SESSION=unix:path=/not-a-pid.sock\n');
  // Past a pid_t: cast to one it would be -1, and kill(-1, 0) succeeds for root.
  writeFileSync(join(dir, '4294967295.session'), 'UPSTART_SESSION=unix:path=/wraps.sock\n');
  const nowhere = { UPSTART_SESSION: `unix:path=${join(work, 'nothing.sock')}`, XDG_RUNTIME_DIR: runtime };
  const cases: Array<{ args: string[]; env: Record<string, string>; stdout: string }> = [
    { args: ['list-sessions'], env: nowhere, stdout: `${process.pid} unix:path=/run/user/7/upstart/"odd".sock\n` },
    { args: ['--system', 'list-sessions', '-q'], env: nowhere, stdout: `${process.pid} unix:path=/run/user/7/upstart/"odd".sock\n` },
    { args: ['list-sessions', '--json'], env: nowhere, stdout: `${JSON.stringify([{ pid: process.pid, session: 'unix:path=/run/user/7/upstart/"odd".sock' }], null, 2)}\n` },
    { args: ['list-sessions', '--socket', '/nothing', '--json'], env: { XDG_RUNTIME_DIR: join(work, 'empty') }, stdout: '[]\n' },
  ];
  for (const c of cases) {
    const [a, b]: [Out, Out] = await Promise.all([run(built.initctl, c.args, c.env), runNode(c.args, c.env)]);
    assert.deepEqual(a, { stdout: c.stdout, stderr: '', status: 0 }, `C: ${c.args.join(' ')}`);
    assert.deepEqual(b, a, `Node: ${c.args.join(' ')}`);
  }
  // An operand is the daemon's to refuse: both clients then try to reach it.
  const [a, b] = await Promise.all([run(built.initctl, ['list-sessions', 'extra'], nowhere), runNode(['list-sessions', 'extra'], nowhere)]);
  assert.equal(a.status, 1);
  assert.equal(b.status, 1);
  assert.match(a.stderr, /^initctl: Unable to connect to init/);
});

test('install-aliases from the Node client links to bin/initctl', async () => {
  const dir = join(work, 'links');
  // Node's own directory on PATH (for tsx), and no other `service` there: nothing to note.
  const r = await runNode(['install-aliases', dir], { PATH: dirname(process.execPath) });
  assert.deepEqual(r, { stdout: '', stderr: '', status: 0 });
  for (const n of ['initctl', 'start', 'stop', 'restart', 'reload', 'status']) assert.equal(readlinkSync(join(dir, n)), join(root, 'bin/initctl'));
  assert.equal(readlinkSync(join(dir, 'service')), join(root, 'bin/upstart-service'));
  assert.equal(readlinkSync(join(dir, 'upstart-rc')), join(root, 'bin/upstart-rc'));
});
