// Bad D-Bus input and unfair clients: error replies, closed connections, never a daemon that stops answering.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ROOT, run, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { dbusSend, missingClients, PYTHON, pythonDbusMissing, rawConnection } from './dbusClients.ts';
import { encodeMessage, MessageType } from '../../src/dbus/message.ts';

const skip = missingClients();
let d: DaemonHandle;
let address: string;

before(async () => {
  if (skip !== undefined) return;
  d = await startDaemon({ svc: 'exec sleep 600\n' }, { args: ['--socket-mode', '0666'] });
  address = `unix:path=${d.socket}`;
});

after(async () => {
  await d?.stop();
});

const emit = (serial: number, name = 'flood'): Buffer => encodeMessage({
  type: MessageType.MethodCall, flags: 0, serial, path: '/com/ubuntu/Upstart', interface: 'com.ubuntu.Upstart0_6',
  member: 'EmitEvent', signature: 'sasb', body: [name, [], false],
});

async function stillAnswers(): Promise<void> {
  const r = await dbusSend(address, ['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await d.initctl(['status', 'svc'])).stdout, 'svc stop/waiting\n');
}

test('a body that does not match its signature gets InvalidArgs; the connection goes on', { skip }, async () => {
  const c = await rawConnection(d.socket);
  const bad = emit(7);
  bad[bad.length - 4] = 9; // the boolean `wait`: neither 0 nor 1
  c.socket.write(bad);
  c.socket.write(emit(8, 'fine'));
  await waitUntil('both replies', () => c.messages.length >= 2);
  const [e, ok] = c.messages;
  assert.equal(e!.type, MessageType.Error);
  assert.equal(e!.replySerial, 7);
  assert.equal(e!.errorName, 'org.freedesktop.DBus.Error.InvalidArgs');
  assert.match(String(e!.body[0]), /malformed message: boolean 9/);
  assert.equal(ok!.type, MessageType.MethodReturn);
  assert.equal(ok!.replySerial, 8);
  c.stream.close(undefined);
});

test('a broken frame closes that connection only', { skip }, async () => {
  const c = await rawConnection(d.socket);
  const bad = emit(1);
  bad[0] = 0x51; // neither 'l' nor 'B'
  c.socket.write(bad);
  await c.closed;
  const huge = await rawConnection(d.socket);
  const h = emit(1);
  h.writeUInt32LE(200 * 1024 * 1024, 4); // a 200 MiB body
  huge.socket.write(h);
  await huge.closed;
  await stillAnswers();
});

test('nonsense during authentication: ERROR lines, then the connection is closed', { skip }, async () => {
  const s = connect(d.socket);
  let text = '';
  s.setEncoding('latin1').on('data', (x: string) => { text += x; });
  const closed = new Promise((r) => s.once('close', r));
  s.write('\0HELLO\r\nAUTH DBUS_COOKIE_SHA1 30\r\nBEGIN\r\n');
  await closed;
  assert.match(text, /^ERROR unknown command HELLO\r\nREJECTED EXTERNAL\r\n$/);
  const liar = connect(d.socket);
  let said = '';
  liar.setEncoding('latin1').on('data', (x: string) => { said += x; });
  liar.write(`\0AUTH EXTERNAL ${Buffer.from(String(process.getuid!() + 1)).toString('hex')}\r\n`);
  await waitUntil('the rejection', () => said.includes('\r\n'));
  assert.equal(said, 'REJECTED EXTERNAL\r\n');
  liar.destroy();
  await stillAnswers();
});

test('a client flooding EmitEvent does not starve another; every call of the flood is answered', { skip, timeout: 240_000 }, async () => {
  // The flood comes from another process, so that only the daemon stands between it and the other client.
  const flood = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/integration/dbusFlood.ts'), d.socket, '50000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  flood.stdout.setEncoding('utf8').on('data', (s: string) => { said += s; });
  flood.stderr.resume();
  const exited = new Promise<number | null>((r) => flood.once('exit', (code) => r(code)));
  try {
    await waitUntil('the flood to be sent', () => said.includes('sent') || flood.exitCode !== null, 60_000);
    // While the flood is being answered, another client's calls are answered.
    await stillAnswers();
    assert.ok(!said.includes('done'), 'the flood was all answered before one call of another client');
    assert.equal(await exited, 0, said);
    assert.match(said, /done/);
  } finally {
    flood.kill();
  }
});

test('--no-dbus: D-Bus clients are refused, initctl still works', { skip }, async () => {
  const off = await startDaemon({ svc: 'exec sleep 600\n' }, { args: ['--no-dbus'] });
  try {
    const r = await dbusSend(`unix:path=${off.socket}`, ['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
    assert.notEqual(r.code, 0);
    assert.equal((await off.initctl(['status', 'svc'])).stdout, 'svc stop/waiting\n');
  } finally {
    await off.stop();
  }
});

const asStranger = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv') ? undefined : 'needs root and setpriv to call as another uid';

test('another uid may read but not start, stop or emit (PermissionDenied)', { skip: skip ?? asStranger ?? (await pythonDbusMissing()) }, async () => {
  const code = `
import dbus
c = dbus.connection.Connection(${JSON.stringify(address)})
up = dbus.Interface(c.get_object('com.ubuntu.Upstart', '/com/ubuntu/Upstart'), 'com.ubuntu.Upstart0_6')
print(len(up.GetAllJobs()))
job = dbus.Interface(c.get_object('com.ubuntu.Upstart', '/com/ubuntu/Upstart/jobs/svc'), 'com.ubuntu.Upstart0_6.Job')
for call in (lambda: job.Start([], True), lambda: up.EmitEvent('x', [], True), lambda: up.ListEnv([])):
    try:
        call()
        print('allowed')
    except dbus.DBusException as e:
        print(e.get_dbus_name(), e.get_dbus_message())
`;
  chmodSync(d.dir, 0o755); // the socket is 0666; its directory must let uid 65534 reach it
  const r = await run('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', PYTHON, '-c', code]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], '1');
  assert.match(lines[1]!, /^com\.ubuntu\.Upstart0_6\.Error\.PermissionDenied Permission denied: only the session's owner \(uid 0\) may change this session init \(you are uid 65534\)$/);
  assert.match(lines[2]!, /^com\.ubuntu\.Upstart0_6\.Error\.PermissionDenied /);
  assert.match(lines[3]!, /^com\.ubuntu\.Upstart0_6\.Error\.PermissionDenied Permission denied: only the session's owner \(uid 0\) may read job environments/);
  assert.equal((await d.initctl(['status', 'svc'])).stdout, 'svc stop/waiting\n');
});
