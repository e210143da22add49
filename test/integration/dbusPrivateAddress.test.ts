// Abstract addresses as libdbus means them: the system init on unix:abstract=/com/ubuntu/upstart (own network namespace), a bus at an abstract address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INITCTL, run, startDaemon, UPSTART, waitUntil } from './harness.ts';
import { DBUS_DAEMON, DBUS_SEND, missingClients } from './dbusClients.ts';

const skip = missingClients();
const netns = process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && existsSync('/usr/bin/nsenter')
  ? undefined : 'needs root, unshare and nsenter (a network namespace of its own keeps the abstract name from the machine\'s)';

test('a system init answers Upstart\'s clients on unix:abstract=/com/ubuntu/upstart; initctl works there too', { skip: skip ?? netns }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-abstract-'));
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'svc.conf'), 'exec sleep 600\n');
  const proc = spawn('/usr/bin/unshare', ['--net', '--', process.execPath, UPSTART, '--system', '--no-cgroups', '--confdir', join(dir, 'conf'), '--logdir', dir, '--socket', join(dir, 'control.sock')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
  proc.stdout.resume();
  const exited = new Promise((r) => proc.once('exit', r));
  try {
    await waitUntil('the daemon to listen', () => err.includes(' mode: socket ') || proc.exitCode !== null);
    const inNs = (file: string, args: string[], env: Record<string, string> = {}) => run('/usr/bin/nsenter', ['-t', String(proc.pid), '-n', file, ...args], env);
    const r = await inNs(DBUS_SEND, ['--address=unix:abstract=/com/ubuntu/upstart', '--print-reply', '--dest=com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
    assert.equal(r.code, 0, r.stderr + err);
    assert.match(r.stdout, /object path "\/com\/ubuntu\/Upstart\/jobs\/svc"/);
    const l = await inNs(INITCTL, ['list'], { UPSTART_SESSION: 'unix:abstract=/com/ubuntu/upstart' });
    assert.equal(l.stdout, 'svc stop/waiting\n', l.stderr);
    // Outside its namespace nothing answers at that name: the daemon never took the machine's.
    const outside = await run(DBUS_SEND, ['--address=unix:abstract=/com/ubuntu/upstart', '--print-reply', '--dest=com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
    assert.notEqual(outside.code, 0);
  } finally {
    proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('notify-dbus-address with a unix:abstract= bus (as Ubuntu sessions had)', { skip: skip ?? (existsSync(DBUS_DAEMON) ? undefined : 'dbus-daemon is not installed') }, async () => {
  const d = await startDaemon({ svc: 'exec sleep 600\n' });
  const address = `unix:abstract=/upstart-ts-test/${process.pid}-${Date.now()}`;
  const bus = spawn(DBUS_DAEMON, ['--session', '--nofork', '--nopidfile', `--address=${address}`, '--print-address'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  bus.stdout!.setEncoding('utf8').on('data', (s: string) => { said += s; });
  bus.stderr!.resume();
  try {
    await waitUntil('the bus to listen', () => said.includes('unix:'));
    assert.equal((await d.initctl(['notify-dbus-address', address])).code, 0);
    await waitUntil('com.ubuntu.Upstart on the bus', async () => {
      const q = await run(DBUS_SEND, [`--bus=${address}`, '--print-reply', '--dest=com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
      return q.stdout.includes('/com/ubuntu/Upstart/jobs/svc');
    });
  } finally {
    const gone = new Promise((r) => bus.once('exit', r));
    bus.kill();
    await gone;
    await d.stop();
  }
});
