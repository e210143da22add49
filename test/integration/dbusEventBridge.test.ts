// Upstart's event bridge, replayed: a bus-style client of the system init that never sends AddMatch gets EventEmitted and forwards it to a session as :sys:EVENT.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { PYTHON } from './dbusClients.ts';

// What upstart-event-bridge(8) does, as strace shows it (docs/dbus.md): it joins the "system bus" at
// DBUS_SYSTEM_BUS_ADDRESS with Hello and nothing else (libnih adds no match rule for a proxy without a
// bus name), connects to UPSTART_SESSION without Hello, and for every EventEmitted(name, env) calls
// EmitEvent(":sys:" + name, env, false) there. GDBus here (python3-gi): add_filter sees every message
// without asking the server for any, and shows what the client sends.
const BRIDGE = `
import os
from gi.repository import Gio, GLib
F = Gio.DBusConnectionFlags
system = Gio.DBusConnection.new_for_address_sync(os.environ['DBUS_SYSTEM_BUS_ADDRESS'], F.AUTHENTICATION_CLIENT | F.MESSAGE_BUS_CONNECTION, None, None)
session = Gio.DBusConnection.new_for_address_sync(os.environ['UPSTART_SESSION'], F.AUTHENTICATION_CLIENT, None, None)
def forward(name, env):
    session.call_sync(None, '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6', 'EmitEvent', GLib.Variant('(sasb)', (':sys:' + name, env, False)), None, Gio.DBusCallFlags.NONE, -1, None)
    print('forwarded', name, flush=True)
    return False
def seen(conn, msg, incoming):
    if not incoming:
        print('sent', msg.get_interface(), msg.get_member(), flush=True)
    elif msg.get_message_type() == Gio.DBusMessageType.SIGNAL and msg.get_interface() == 'com.ubuntu.Upstart0_6' and msg.get_member() == 'EventEmitted':
        name, env = msg.get_body().unpack()
        GLib.idle_add(forward, name, env)
    return msg
system.add_filter(seen)
print('bridging as', system.get_unique_name(), flush=True)
GLib.MainLoop().run()
`;

let skip: string | undefined = existsSync(PYTHON) ? undefined : `${PYTHON} is not installed`;
let system: DaemonHandle;
let session: DaemonHandle;
let out: string;
let caught: string;

before(async () => {
  if (skip === undefined) {
    const gi = await run(PYTHON, ['-c', 'from gi.repository import Gio']);
    if (gi.code !== 0) skip = 'python3-gi is not installed (Debian package python3-gi)';
  }
  if (skip !== undefined) return;
  // The "system" init: any daemon's D-Bus server is the same; a session one needs no namespace.
  system = await startDaemon({});
  session = await startDaemon({});
  out = join(session.dir, 'bridge.out');
  caught = join(session.dir, 'caught');
  writeFileSync(join(session.dir, 'bridge.py'), BRIDGE);
  session.writeJob('catch', `start on :sys:hello\ntask\nexec sh -c 'echo "$X" >> ${caught}'\n`);
  session.writeJob('event-bridge', `env DBUS_SYSTEM_BUS_ADDRESS=unix:path=${system.socket}\nrespawn\nexec ${PYTHON} ${join(session.dir, 'bridge.py')} > ${out} 2>&1\n`);
  await waitUntil('the jobs to load', async () => (await session.initctl(['status', 'event-bridge'])).code === 0);
  const r = await session.initctl(['start', 'event-bridge']);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil('the bridge to connect', () => existsSync(out) && readFileSync(out, 'utf8').includes('bridging as :1.'));
});

after(async () => {
  await session?.stop();
  await system?.stop();
});

test('a system event reaches the session as :sys:EVENT through a client that never asked for signals', { skip }, async () => {
  const r = await system.initctl(['emit', 'hello', 'X=from-system']);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil('the session job started by :sys:hello', () => existsSync(caught) && readFileSync(caught, 'utf8') === 'from-system\n');
  const said = readFileSync(out, 'utf8');
  assert.match(said, /^forwarded hello$/m);
  // After Hello the client sent the system init nothing but the session's EmitEvent calls (those go on
  // the other connection): no AddMatch, so a server that waited for one would have sent it nothing.
  assert.doesNotMatch(said, /^sent /m, said);
  // The task wrote its line; it may not have ended yet (under load): it does.
  await waitUntil('the task to end', async () => /^catch stop\/waiting\n$/.test((await session.initctl(['status', 'catch'])).stdout));
});
