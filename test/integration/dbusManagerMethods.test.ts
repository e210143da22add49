// GetState, Restart (re-exec), EndSession and EmitEventWithFile on com.ubuntu.Upstart0_6, by gdbus and python3-dbus.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { gdbusCall, missingClients, python, pythonDbusMissing } from './dbusClients.ts';
import { STATE_FORMAT } from '../../src/state/envelope.ts';

const skip = missingClients();
const daemons: DaemonHandle[] = [];

after(async () => {
  for (const d of daemons) await d.stop();
});

async function daemon(): Promise<{ d: DaemonHandle; address: string; pid: number }> {
  const d = await startDaemon({ svc: 'exec sleep 600\n' });
  daemons.push(d);
  const st = await d.initctl(['start', 'svc']);
  assert.equal(st.code, 0, st.stderr);
  const pid = Number(/process (\d+)/.exec(st.stdout)?.[1]);
  assert.ok(alive(pid));
  return { d, address: `unix:path=${d.socket}`, pid };
}

const pyCall = (address: string, member: string): string => `
import dbus, json
c = dbus.connection.Connection(${JSON.stringify(address)})
print(c.call_blocking('com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6', ${JSON.stringify(member)}, '', []))
`;

test('GetState: our state as JSON, with the running instance and its pid', { skip }, async (t) => {
  const noPy = await pythonDbusMissing();
  if (noPy !== undefined) return t.skip(noPy);
  const { address, pid } = await daemon();
  const r = await python(pyCall(address, 'GetState'));
  assert.equal(r.code, 0, r.stderr);
  const state = JSON.parse(r.stdout) as { format: number; version: string; parts: { engine: { classes: Record<string, unknown> }; process: { owned: Array<{ pid: number }> } } };
  assert.equal(state.format, STATE_FORMAT);
  assert.match(state.version, /^upstart-ts /);
  assert.ok('svc' in state.parts.engine.classes);
  assert.ok(state.parts.process.owned.some((o) => o.pid === pid), r.stdout.slice(0, 400));
});

test('Restart: the reply comes first, then the daemon re-executes in place and keeps its jobs', { skip }, async () => {
  const { d, address, pid } = await daemon();
  const daemonPid = d.proc.pid!;
  const r = await gdbusCall(address, '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.Restart');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '()');
  await waitUntil('the new image', () => readFileSync(`/proc/${daemonPid}/cmdline`, 'utf8').split('\0').includes('--restart'));
  await waitUntil('it to answer again', async () => (await d.initctl(['status', 'svc'])).stdout === `svc start/running, process ${pid}\n`);
  assert.ok(alive(pid));
  assert.equal(d.proc.exitCode, null);
  // D-Bus is served again on the same socket.
  const v = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/svc', 'com.ubuntu.Upstart0_6.Job.GetAllInstances');
  assert.equal(v.stdout.trim(), "([objectpath '/com/ubuntu/Upstart/jobs/svc/_'],)");
});

test('EndSession: a session init emits session-end, stops its jobs and exits 0', { skip }, async () => {
  const { d, address, pid } = await daemon();
  const seen = join(d.dir, 'stop-events');
  d.writeJob('ender', `stop on session-end\npost-stop exec sh -c 'echo "$UPSTART_STOP_EVENTS" > ${seen}'\nexec sleep 600\n`);
  await waitUntil('ender to load', async () => (await d.initctl(['status', 'ender'])).code === 0);
  assert.equal((await d.initctl(['start', 'ender'])).code, 0);
  const exited = new Promise<number | null>((res) => d.proc.once('exit', (code) => res(code)));
  const r = await gdbusCall(address, '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.EndSession');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '()');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((res) => { timer = setTimeout(() => res('deadline'), 30_000); });
  assert.equal(await Promise.race([exited, deadline]), 0, 'the session init did not exit within 30 s of EndSession');
  clearTimeout(timer);
  assert.ok(!alive(pid));
  assert.match(d.stderr(), /EndSession: emitting session-end, stopping every job, then exiting/);
  assert.equal(readFileSync(seen, 'utf8'), 'session-end\n');
});

test('EmitEventWithFile: the handshake refuses fd passing, so python3-dbus fails before sending', { skip }, async (t) => {
  const noPy = await pythonDbusMissing();
  if (noPy !== undefined) return t.skip(noPy);
  const { d, address } = await daemon();
  const r = await python(`
import dbus, os
c = dbus.connection.Connection(${JSON.stringify(address)})
r, w = os.pipe()
try:
    c.call_blocking('com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6', 'EmitEventWithFile', 'sasbh', ['go', [], True, dbus.types.UnixFd(r)])
    print('sent')
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name(), e.get_dbus_message())
print(len(c.call_blocking('com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6', 'GetAllJobs', '', [])))
`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'org.freedesktop.DBus.Error.Failed Cannot send file descriptors on this connection.\n1\n');
  // The server's side of it: NEGOTIATE_UNIX_FD gets ERROR, as a server without fd passing answers.
  const sock = connect(d.socket);
  let got = '';
  sock.setEncoding('latin1').on('data', (s: string) => { got += s; });
  await new Promise<void>((res) => sock.once('connect', () => res()));
  sock.write(`\0AUTH EXTERNAL ${Buffer.from(String(process.getuid!())).toString('hex')}\r\n`);
  await waitUntil('OK', () => got.includes('\r\n'));
  assert.match(got, /^OK [0-9a-f]{32}\r\n$/);
  got = '';
  sock.write('NEGOTIATE_UNIX_FD\r\n');
  await waitUntil('the answer', () => got.includes('\r\n'));
  assert.match(got, /^ERROR /);
  sock.destroy();
});

test('an unknown method of the manager is UnknownMethod', { skip }, async () => {
  const { address } = await daemon();
  const r = await gdbusCall(address, '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.NoSuchThing');
  assert.match(r.stderr, /org\.freedesktop\.DBus\.Error\.UnknownMethod/);
});

test('EndSession on the system init is refused and it goes on', { skip: skip ?? (process.getuid?.() === 0 ? undefined : 'a system init wants root') }, async () => {
  const d = await startDaemon({ svc: 'exec sleep 600\n' }, { args: ['--system', '--no-cgroups', '--dbus-address=none'] });
  daemons.push(d);
  await waitUntil('the jobs to load', async () => (await d.initctl(['status', 'svc'])).code === 0);
  const r = await gdbusCall(`unix:path=${d.socket}`, '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.EndSession');
  assert.match(r.stderr, /org\.freedesktop\.DBus\.Error\.NotSupported: EndSession ends a session init; this is the system init/);
  assert.equal((await d.initctl(['status', 'svc'])).stdout, 'svc stop/waiting\n');
  assert.equal(d.proc.exitCode, null);
});
