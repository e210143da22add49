// GetState, Restart (re-exec), EndSession and EmitEventWithFile on com.ubuntu.Upstart0_6, by gdbus and python3-dbus.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, run, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { gdbusCall, missingClients, PYTHON, python, pythonDbusMissing } from './dbusClients.ts';
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

/** A session daemon with a task that the `go` event starts: it writes what it got and what it reads on fd 3. */
async function withFileJob(): Promise<{ d: DaemonHandle; address: string; seen: string }> {
  const d = await startDaemon({});
  daemons.push(d);
  const seen = join(d.dir, 'seen');
  d.writeJob('catch', `start on go\ntask\nexec sh -c 'echo "UPSTART_FDS=$UPSTART_FDS LISTEN_FDS=$LISTEN_FDS A=$A" > ${seen}; cat <&3 >> ${seen}'\n`);
  await waitUntil('the job to load', async () => (await d.initctl(['status', 'catch'])).code === 0);
  return { d, address: `unix:path=${d.socket}`, seen };
}

/** The pipes (by inode) the daemon holds an fd of. */
const pipesOf = (pid: number): Set<string> =>
  new Set(readdirSync(`/proc/${pid}/fd`).map((f) => { try { return readlinkSync(`/proc/${pid}/fd/${f}`); } catch { return ''; } }).filter((l) => l.startsWith('pipe:')));

test('EmitEventWithFile: python3-dbus passes a pipe; the job the event starts reads it as UPSTART_FDS, and the daemon keeps no copy', { skip }, async (t) => {
  const noPy = await pythonDbusMissing();
  if (noPy !== undefined) return t.skip(noPy);
  const { d, address, seen } = await withFileJob();
  const r = await python(`
import dbus, os
c = dbus.connection.Connection(${JSON.stringify(address)})
call = lambda m, sig, args: c.call_blocking('com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6', m, sig, args)
# libdbus decides whether it may send an fd only once the handshake is done: a first call finishes it.
call('GetAllJobs', '', [])
r, w = os.pipe()
os.write(w, b'through the fd\\n')
os.close(w)
print('pipe:[%d]' % os.fstat(r).st_ino)
call('EmitEventWithFile', 'sasbh', ['go', ['A=1'], True, dbus.types.UnixFd(r)])
os.close(r)
# An fd with a call that takes none (a wrong signature): refused, and not kept either.
r2, w2 = os.pipe()
print('pipe:[%d]' % os.fstat(r2).st_ino)
try:
    call('EmitEvent', 'sasbh', ['go', [], True, dbus.types.UnixFd(r2)])
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name())
print(len(call('GetAllJobs', '', [])))
`);
  assert.equal(r.code, 0, r.stderr);
  const [p1, p2, err, jobs] = r.stdout.trim().split('\n');
  assert.equal(err, 'org.freedesktop.DBus.Error.InvalidArgs');
  assert.equal(jobs, '1');
  // wait: the reply came once the event had finished, so the task has run.
  assert.equal(readFileSync(seen, 'utf8'), 'UPSTART_FDS=3 LISTEN_FDS=1 A=1\nthrough the fd\n');
  await waitUntil('the daemon to hold neither pipe', () => { const held = pipesOf(d.proc.pid!); return !held.has(p1!) && !held.has(p2!); });
});

test('EmitEventWithFile across a re-exec: the fd of an event still in flight reaches its job, and the new image closes it once the event is done', { skip }, async (t) => {
  const noPy = await pythonDbusMissing();
  if (noPy !== undefined) return t.skip(noPy);
  const d = await startDaemon({});
  daemons.push(d);
  const seen = join(d.dir, 'seen');
  const gate = join(d.dir, 'gate');
  // `go` stays in flight until the job is running, and the job waits in pre-start for the gate.
  d.writeJob('held', `start on go\npre-start exec sh -c 'while [ ! -e ${gate} ]; do sleep 0.05; done'\nexec sh -c 'cat <&3 > ${seen}; exec sleep 600'\n`);
  await waitUntil('the job to load', async () => (await d.initctl(['status', 'held'])).code === 0);
  const r = await python(`
import dbus, os
c = dbus.connection.Connection(${JSON.stringify(`unix:path=${d.socket}`)})
call = lambda m, sig, args: c.call_blocking('com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6', m, sig, args)
call('GetAllJobs', '', [])
r, w = os.pipe()
os.write(w, b'kept across the exec\\n')
os.close(w)
print('pipe:[%d]' % os.fstat(r).st_ino)
call('EmitEventWithFile', 'sasbh', ['go', [], False, dbus.types.UnixFd(r)])
os.close(r)
`);
  assert.equal(r.code, 0, r.stderr);
  const pipe = r.stdout.trim();
  const daemonPid = d.proc.pid!;
  await waitUntil('the job to wait in pre-start', async () => /start\/pre-start/.test((await d.initctl(['status', 'held'])).stdout));
  assert.ok(pipesOf(daemonPid).has(pipe), 'the daemon holds the event\'s fd');
  assert.equal((await d.initctl(['reexec'])).code, 0);
  await waitUntil('the new image', () => readFileSync(`/proc/${daemonPid}/cmdline`, 'utf8').split('\0').includes('--restart'));
  await waitUntil('it to answer again', async () => /start\/pre-start/.test((await d.initctl(['status', 'held'])).stdout));
  // The event has not finished: the new image keeps the fd for the job it is starting.
  assert.ok(pipesOf(daemonPid).has(pipe), 'the new image holds the event\'s fd');
  writeFileSync(gate, '');
  await waitUntil('the job to run', async () => /start\/running/.test((await d.initctl(['status', 'held'])).stdout));
  await waitUntil('the job to read the fd', () => existsSync(seen) && readFileSync(seen, 'utf8') === 'kept across the exec\n');
  await waitUntil('the new image to close its copy', () => !pipesOf(daemonPid).has(pipe));
});

test('fd passing: a handshake and a call sent before any answer are all read once the server reads with recvmsg; then an fd by sendmsg', { skip }, async (t) => {
  const gi = await python('from gi.repository import Gio');
  if (gi.code !== 0) return t.skip('python3-gi is not installed (Debian package python3-gi)');
  const { address, seen } = await withFileJob();
  // Python's own socket and GDBus's marshalling, so the bytes are exactly these: AUTH, NEGOTIATE_UNIX_FD,
  // BEGIN and a GetAllJobs call in one write (the server has read them all with plain reads before it
  // agrees to fd passing), then EmitEventWithFile with the fd as SCM_RIGHTS.
  const r = await python(`
import array, os, socket
from gi.repository import Gio, GLib
CAP = Gio.DBusCapabilityFlags.UNIX_FD_PASSING
def blob(member, sig, args, serial, fds=()):
    m = Gio.DBusMessage.new_method_call('com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6', member)
    if sig: m.set_body(GLib.Variant(sig, args))
    m.set_serial(serial)
    if fds:
        l = Gio.UnixFDList()
        for f in fds: l.append(f)
        m.set_unix_fd_list(l)
    return m.to_blob(CAP)
def reply(s, serial):
    buf = b''
    while True:
        got = s.recv(65536)
        if not got: raise SystemExit('closed')
        buf += got
        while len(buf) >= 16 and len(buf) >= Gio.DBusMessage.bytes_needed(buf[:16]):
            k = Gio.DBusMessage.bytes_needed(buf[:16])
            m = Gio.DBusMessage.new_from_blob(buf[:k], CAP)
            buf = buf[k:]
            if m.get_reply_serial() == serial:
                return m.get_message_type().value_nick + ' ' + (m.get_body().print_(False) if m.get_body() else '()')
s = socket.socket(socket.AF_UNIX)
s.connect(${JSON.stringify(address.slice('unix:path='.length))})
s.sendall(b'\\0AUTH EXTERNAL ' + str(os.getuid()).encode().hex().encode() + b'\\r\\nNEGOTIATE_UNIX_FD\\r\\nBEGIN\\r\\n' + blob('GetAllJobs', None, None, 1))
lines = b''
while lines.count(b'\\r\\n') < 2:
    lines += s.recv(1)
print(lines.decode().split('\\r\\n')[1])
print(reply(s, 1))
r, w = os.pipe()
os.write(w, b'by sendmsg\\n')
os.close(w)
s.sendmsg([blob('EmitEventWithFile', '(sasbh)', ('go', ['A=raw'], True, 0), 2, [r])], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r]))])
os.close(r)
print(reply(s, 2))
`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "AGREE_UNIX_FD\nmethod-return (['/com/ubuntu/Upstart/jobs/catch'],)\nmethod-return ()\n");
  assert.equal(readFileSync(seen, 'utf8'), 'UPSTART_FDS=3 LISTEN_FDS=1 A=raw\nby sendmsg\n');
});

test('fd passing is refused in the handshake to a client that may not emit (another uid)', { skip: skip ?? (process.getuid?.() === 0 && existsSync('/usr/bin/setpriv') ? undefined : 'needs root and setpriv to connect as another uid') }, async () => {
  const { d } = await withFileJob();
  chmodSync(d.dir, 0o755);
  chmodSync(d.socket, 0o666);
  const r = await run('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', PYTHON, '-c', `
import os, socket
s = socket.socket(socket.AF_UNIX)
s.connect(${JSON.stringify(d.socket)})
s.sendall(b'\\0AUTH EXTERNAL ' + str(os.getuid()).encode().hex().encode() + b'\\r\\nNEGOTIATE_UNIX_FD\\r\\n')
lines = b''
while lines.count(b'\\r\\n') < 2:
    lines += s.recv(1)
print(lines.decode().split('\\r\\n')[1])
`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ERROR /);
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
