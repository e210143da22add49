// upstart-dbus-bridge against a private dbus-daemon: signals become `dbus` events that start jobs; the bridge as a respawning job.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, ROOT, run, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { DBUS_DAEMON, DBUS_SEND, missingClients, PYTHON, pythonDbusMissing } from './dbusClients.ts';

const skip = missingClients() ?? (existsSync(DBUS_DAEMON) ? undefined : `${DBUS_DAEMON} is not installed (Debian package dbus-daemon)`);
const BRIDGE = join(ROOT, 'bin/upstart-dbus-bridge');
let d: DaemonHandle;
let bus: ChildProcess;
let busAddress: string;
let caught: string;

before(async () => {
  if (skip !== undefined) return;
  d = await startDaemon({});
  busAddress = `unix:path=${join(d.dir, 'bus.sock')}`;
  caught = join(d.dir, 'caught');
  bus = spawn(DBUS_DAEMON, ['--session', '--nofork', '--nopidfile', `--address=${busAddress}`, '--print-address'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  bus.stdout!.setEncoding('utf8').on('data', (s: string) => { said += s; });
  bus.stderr!.resume();
  await waitUntil('the bus to listen', () => said.includes('unix:'));
  d.writeJob('catch', `start on dbus SIGNAL=Ping INTERFACE=com.example.Test OBJPATH=/com/example ARG0=hello\ntask\nexec sh -c 'env | grep -E "^(SIGNAL|INTERFACE|OBJPATH|SENDER|DESTINATION|ARG[0-9]|BUS)=" | sort > ${caught}'\n`);
  d.writeJob('dbus-bridge', `respawn\nexec ${process.execPath} ${BRIDGE} --bus-address ${busAddress} --bus-name test --debug\n`);
  await waitUntil('the jobs to load', async () => (await d.initctl(['status', 'dbus-bridge'])).code === 0);
  const r = await d.initctl(['start', 'dbus-bridge']);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil('the bridge to watch the bus', () => bridgeLog().includes('watching signals'), 30_000);
});

after(async () => {
  await d?.initctl(['stop', 'dbus-bridge']);
  if (bus !== undefined && bus.exitCode === null) {
    const gone = new Promise((r) => bus.once('exit', r));
    bus.kill();
    await gone;
  }
  await d?.stop();
});

function bridgeLog(): string {
  try {
    return readFileSync(join(d.logdir, 'dbus-bridge.log'), 'utf8');
  } catch {
    return '';
  }
}

test('a signal on the bus becomes a dbus event that starts the job waiting for it', { skip }, async () => {
  const s = await run(DBUS_SEND, [`--bus=${busAddress}`, '--type=signal', '/com/example', 'com.example.Test.Ping', 'string:hello', 'int32:42', 'array:string:skipped', 'boolean:true']);
  assert.equal(s.code, 0, s.stderr);
  const env = await waitUntil('the job to catch it', () => (existsSync(caught) ? readFileSync(caught, 'utf8') : ''));
  const lines = env.trim().split('\n');
  const sender = lines.find((l) => l.startsWith('SENDER='));
  assert.match(sender ?? '', /^SENDER=:1\.\d+$/);
  assert.deepEqual(lines.filter((l) => l !== sender), ['ARG0=hello', 'ARG1=42', 'ARG3=true', 'BUS=test', 'INTERFACE=com.example.Test', 'OBJPATH=/com/example', 'SIGNAL=Ping']);
});

test('a signal that matches no job is still an event (the bridge emits while some job waits for dbus)', { skip }, async () => {
  await run(DBUS_SEND, [`--bus=${busAddress}`, '--type=signal', '/com/example', 'com.example.Test.Other', 'string:x']);
  await waitUntil('the event in the bridge log', () => bridgeLog().includes('emit dbus SIGNAL=Other INTERFACE=com.example.Test OBJPATH=/com/example'));
  // The bridge logs "emit" before its request is sent: the daemon's journal has the event a moment later.
  const events = await waitUntil('the event in the journal', async () => {
    const r = await d.initctl(['events']);
    return r.stdout.includes('dbus SIGNAL=Other ') ? r : undefined;
  });
  assert.match(events.stdout, /dbus SIGNAL=Other INTERFACE=com\.example\.Test OBJPATH=\/com\/example SENDER=:1\.\d+ BUS=test ARG0=x/);
});

test('a well-known name getting an owner is an event (NameOwnerChanged, for readiness)', { skip: skip ?? (await pythonDbusMissing()) }, async () => {
  const owner = spawn(PYTHON, ['-c', `
import dbus, sys, time
c = dbus.bus.BusConnection(${JSON.stringify(busAddress)})
c.request_name('com.example.Svc')
print('owned', flush=True)
sys.stdin.read()
`], { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    await waitUntil('the name event', () => /emit dbus SIGNAL=NameOwnerChanged INTERFACE=org\.freedesktop\.DBus OBJPATH=\/org\/freedesktop\/DBus SENDER=org\.freedesktop\.DBus BUS=test ARG0=com\.example\.Svc ARG1= ARG2=:1\.\d+/.test(bridgeLog()));
  } finally {
    owner.kill();
  }
});

test('a bridge that dies is respawned by its job; it says so', { skip }, async () => {
  const st = await d.initctl(['status', 'dbus-bridge']);
  const pid = Number(/process (\d+)/.exec(st.stdout)?.[1]);
  assert.ok(pid > 0, st.stdout);
  const before = bridgeLog().split('watching signals').length;
  process.kill(pid, 'SIGKILL');
  await waitUntil('the old bridge gone', () => !alive(pid));
  await waitUntil('a new bridge on the bus', () => bridgeLog().split('watching signals').length > before, 30_000);
  // The new bridge reads in init's journal how the one before it ended, and says what was lost.
  await waitUntil('the lost-events warning', () => new RegExp(`the bridge before this one \\(pid ${pid}\\) was killed by (SIG)?KILL [0-9.]+ s ago: dbus events \\(signals\\) while no bridge ran are lost`).test(bridgeLog()) || undefined);
  writeFileSync(caught, '');
  await run(DBUS_SEND, [`--bus=${busAddress}`, '--type=signal', '/com/example', 'com.example.Test.Ping', 'string:hello']);
  await waitUntil('the job to catch it again', () => readFileSync(caught, 'utf8').includes('SIGNAL=Ping'));
});

test('the bus going away ends the bridge with a line saying events are lost', { skip }, async () => {
  const gone = new Promise((r) => bus.once('exit', r));
  bus.kill();
  await gone;
  await waitUntil('the bridge to say it lost the bus', () => bridgeLog().includes('lost the bus'));
  assert.match(bridgeLog(), /signals until the bridge is back are lost/);
});
