// The daemon on a message bus: a private dbus-daemon, notify-dbus-address, com.ubuntu.Upstart owned and answering there.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { DBUS_DAEMON, DBUS_SEND, GDBUS, missingClients } from './dbusClients.ts';

const DBUS_MONITOR = '/usr/bin/dbus-monitor';
import { DbusService } from '../../src/dbus/service.ts';
import { FakeEngine, FakeHooks } from '../unit/control/fakeEngine.ts';

const skip = missingClients() ?? (existsSync(DBUS_DAEMON) ? undefined : `${DBUS_DAEMON} is not installed (Debian package dbus-daemon)`);
let d: DaemonHandle;
let bus: ChildProcess;
let busAddress: string;

before(async () => {
  if (skip !== undefined) return;
  d = await startDaemon({ svc: 'exec sleep 600\n', hello: 'start on greet WHO=*\ntask\nexec true\n' });
  busAddress = `unix:path=${join(d.dir, 'bus.sock')}`;
  // A session-like bus that other uids may join too (the stranger test), with no activation.
  const config = join(d.dir, 'bus.conf');
  writeFileSync(config, `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>${busAddress}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`);
  bus = spawn(DBUS_DAEMON, [`--config-file=${config}`, '--nofork', '--nopidfile', '--print-address'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  bus.stdout!.setEncoding('utf8').on('data', (s: string) => { said += s; });
  bus.stderr!.resume();
  await waitUntil('the bus to listen', () => said.includes('unix:'));
});

after(async () => {
  if (bus !== undefined && bus.exitCode === null) {
    const gone = new Promise((r) => bus.once('exit', r));
    bus.kill();
    await gone;
  }
  await d?.stop();
});

const onBus = (args: string[]) => run(DBUS_SEND, [`--bus=${busAddress}`, '--print-reply', '--dest=com.ubuntu.Upstart', ...args], {}, 20_000);

test('notify-dbus-address: the daemon owns com.ubuntu.Upstart on that bus and answers there', { skip }, async () => {
  const r = await d.initctl(['notify-dbus-address', busAddress]);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil('the name on the bus', async () => {
    const q = await run(DBUS_SEND, [`--bus=${busAddress}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:com.ubuntu.Upstart']);
    return q.stdout.includes('boolean true');
  });
  const jobs = await onBus(['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
  assert.equal(jobs.code, 0, jobs.stderr);
  assert.deepEqual([...jobs.stdout.matchAll(/object path "([^"]+)"/g)].map((m) => m[1]), ['/com/ubuntu/Upstart/jobs/hello', '/com/ubuntu/Upstart/jobs/svc']);
  const start = await onBus(['/com/ubuntu/Upstart/jobs/svc', 'com.ubuntu.Upstart0_6.Job.Start', 'array:string:', 'boolean:true']);
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stdout, /object path "\/com\/ubuntu\/Upstart\/jobs\/svc\/_"/);
  assert.match((await d.initctl(['status', 'svc'])).stdout, /^svc start\/running, process \d+\n$/);
  const unknown = await onBus(['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetJobByName', 'string:nosuch']);
  assert.match(unknown.stderr, /com\.ubuntu\.Upstart0_6\.Error\.UnknownJob: Unknown job: nosuch/);
});

test('signals go out on the bus', { skip }, async () => {
  const mon = spawn(GDBUS, ['monitor', '--address', busAddress, '--dest', 'com.ubuntu.Upstart'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  mon.stdout.setEncoding('utf8').on('data', (s: string) => { text += s; });
  try {
    await waitUntil('gdbus monitor to start', () => text.includes('is owned by'));
    const r = await onBus(['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.EmitEvent', 'string:greet', 'array:string:WHO=bus', 'boolean:true']);
    assert.equal(r.code, 0, r.stderr);
    await waitUntil('EventEmitted on the bus', () => text.includes("EventEmitted ('greet', ['WHO=bus'])"));
    await waitUntil('the task the event started', () => text.includes("/com/ubuntu/Upstart/jobs/hello/_: com.ubuntu.Upstart0_6.Instance.StateChanged ('running',)"));
  } finally {
    mon.kill();
  }
});

const owner = async (): Promise<string | undefined> => {
  const q = await run(DBUS_SEND, [`--bus=${busAddress}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.GetNameOwner', 'string:com.ubuntu.Upstart']);
  return /string "(:[0-9.]+)"/.exec(q.stdout)?.[1];
};

test('after a re-exec the new image is on the same bus again, owns com.ubuntu.Upstart and answers there', { skip }, async () => {
  const before = await owner();
  assert.ok(before !== undefined, 'the name is owned before the re-exec (the first test joined the bus)');
  const pid = d.proc.pid;
  // Upstart's Restarted comes from the new image once it is back. dbus-monitor, not gdbus monitor --dest: that one
  // subscribes to the new owner's unique name only after NameOwnerChanged, and a Restarted sent at once beat it under load.
  const mon = spawn(DBUS_MONITOR, ['--address', busAddress, "type='signal',interface='com.ubuntu.Upstart0_6'"], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  mon.stdout.setEncoding('utf8').on('data', (s: string) => { text += s; });
  let after: string;
  try {
    await waitUntil('dbus-monitor to see an EventEmitted', async () => {
      await d.initctl(['emit', '--no-wait', 'monitor-ready']);
      return text.includes('member=EventEmitted') || undefined;
    }, 20_000);
    const r = await d.initctl(['reexec']);
    assert.equal(r.code, 0, r.stderr);
    // The old image's connection closed at execve; the new image joins the bus it finds in the state.
    after = await waitUntil('the new image to own the name', async () => {
      const o = await owner();
      return o !== undefined && o !== before ? o : undefined;
    });
    await waitUntil('Restarted on the bus', () => /path=\/com\/ubuntu\/Upstart; interface=com\.ubuntu\.Upstart0_6; member=Restarted/.test(text) || undefined);
    assert.equal(text.match(/member=Restarted/g)?.length, 1, text);
    assert.ok(text.includes(`sender=${after} `) && /sender=(:[0-9.]+) [^\n]*member=Restarted/.exec(text)?.[1] === after, text);
  } finally {
    mon.kill();
  }
  assert.notEqual(after, before);
  assert.equal(d.proc.pid, pid);
  const jobs = await onBus(['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
  assert.equal(jobs.code, 0, jobs.stderr);
  assert.deepEqual([...jobs.stdout.matchAll(/object path "([^"]+)"/g)].map((m) => m[1]), ['/com/ubuntu/Upstart/jobs/hello', '/com/ubuntu/Upstart/jobs/svc']);
  const svc = await onBus(['/com/ubuntu/Upstart/jobs/svc/_', 'org.freedesktop.DBus.Properties.Get', 'string:com.ubuntu.Upstart0_6.Instance', 'string:state']);
  assert.equal(svc.code, 0, svc.stderr);
  assert.match(svc.stdout, /string "running"/);
});

test('joining again after a re-exec waits in the name\'s queue while another connection still owns it, and takes it once that one goes', { skip }, async () => {
  // The daemon of the other tests leaves the bus first, so the name is free for the three services here.
  assert.equal((await d.initctl(['notify-dbus-address', 'unix:path=/nonexistent/bus.sock'])).code, 0);
  await waitUntil('the name released', async () => (await owner()) === undefined || undefined);
  const make = (): DbusService => new DbusService({ engine: new FakeEngine(), hooks: new FakeHooks(), uid: process.getuid?.() ?? 0, mode: 'session', ownerUid: process.getuid?.() ?? 0 });
  const [old, next, late] = [make(), make(), make()];
  try {
    await old.connectBus(busAddress);
    const oldName = await owner();
    assert.ok(oldName !== undefined);
    let joined = false;
    const waiting = next.connectBus(busAddress, { waitMs: 10_000 }).then(() => { joined = true; });
    // Queued behind the old image's connection: it does not own the name yet.
    await waitUntil('the second connection queued', async () => {
      const q = await run(DBUS_SEND, [`--bus=${busAddress}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.ListQueuedOwners', 'string:com.ubuntu.Upstart']);
      return (q.stdout.match(/string ":/g)?.length ?? 0) === 2 || undefined;
    });
    assert.equal(joined, false);
    old.disconnectBus();
    await waiting;
    const newName = await owner();
    assert.ok(newName !== undefined && newName !== oldName, `${newName} after ${oldName}`);
    // With a short wait and the name held, it gives up and says so; the owner stays.
    await assert.rejects(late.connectBus(busAddress, { waitMs: 300 }), /com\.ubuntu\.Upstart is still owned by another connection on .* after 300 ms/);
    assert.equal(await owner(), newName);
  } finally {
    for (const s of [old, next, late]) s.close();
    // The daemon joins the bus again for the tests after this one.
    assert.equal((await d.initctl(['notify-dbus-address', busAddress])).code, 0);
    await waitUntil('the daemon on the bus again', async () => (await owner()) !== undefined || undefined);
  }
});

const asStranger = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv') ? undefined : 'needs root and setpriv to call as another uid';

test('on a bus, the caller is the uid the bus vouches for', { skip: skip ?? asStranger }, async () => {
  chmodSync(d.dir, 0o755);
  const r = await run('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', DBUS_SEND, `--bus=${busAddress}`, '--print-reply', '--dest=com.ubuntu.Upstart', '/com/ubuntu/Upstart/jobs/svc', 'com.ubuntu.Upstart0_6.Job.Stop', 'array:string:', 'boolean:true']);
  assert.match(r.stderr, /com\.ubuntu\.Upstart0_6\.Error\.PermissionDenied: Permission denied: only the session's owner \(uid 0\) may change this session init \(you are uid 65534\)/);
  const read = await run('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', DBUS_SEND, `--bus=${busAddress}`, '--print-reply', '--dest=com.ubuntu.Upstart', '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
  assert.equal(read.code, 0, read.stderr);
});

const asRoot = process.getuid?.() === 0 ? undefined : 'a system init needs root';

test('a system init joins the system bus once it runs: SIGUSR1, as Upstart\'s dbus job sends; a re-exec joins it again', { skip: skip ?? asRoot }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-sysbus-'));
  const address = `unix:path=${join(dir, 'system_bus_socket')}`;
  const sys = await startDaemon({ svc: 'exec sleep 600\n' }, { args: ['--system', '--dbus-address', 'none', '--no-cgroups'], env: { DBUS_SYSTEM_BUS_ADDRESS: address } });
  const config = join(dir, 'bus.conf');
  writeFileSync(config, `<busconfig><type>system</type><listen>${address}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/></policy></busconfig>\n`);
  const sysBus = spawn(DBUS_DAEMON, [`--config-file=${config}`, '--nofork', '--nopidfile', '--print-address'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  sysBus.stdout!.setEncoding('utf8').on('data', (s: string) => { said += s; });
  sysBus.stderr!.resume();
  try {
    await waitUntil('the system bus to listen', () => said.includes('unix:'));
    sys.proc.kill('SIGUSR1');
    await waitUntil('com.ubuntu.Upstart on the system bus', async () => {
      const q = await run(DBUS_SEND, [`--bus=${address}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:com.ubuntu.Upstart']);
      return q.stdout.includes('boolean true');
    });
    const r = await run(DBUS_SEND, [`--bus=${address}`, '--print-reply', '--dest=com.ubuntu.Upstart', '/com/ubuntu/Upstart/jobs/svc', 'org.freedesktop.DBus.Properties.Get', 'string:com.ubuntu.Upstart0_6.Job', 'string:name']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /string "svc"/);
    // A re-exec: the bus joined by SIGUSR1 is joined again by the new image, with no second SIGUSR1.
    const ownerOf = async (): Promise<string | undefined> => /string "(:[0-9.]+)"/.exec((await run(DBUS_SEND, [`--bus=${address}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.GetNameOwner', 'string:com.ubuntu.Upstart'])).stdout)?.[1];
    const first = await ownerOf();
    assert.equal((await sys.initctl(['reexec'])).code, 0);
    await waitUntil('the new image on the system bus', async () => { const o = await ownerOf(); return o !== undefined && o !== first ? o : undefined; });
    const again = await run(DBUS_SEND, [`--bus=${address}`, '--print-reply', '--dest=com.ubuntu.Upstart', '/com/ubuntu/Upstart/jobs/svc', 'org.freedesktop.DBus.Properties.Get', 'string:com.ubuntu.Upstart0_6.Job', 'string:name']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /string "svc"/);
  } finally {
    const gone = new Promise((res) => sysBus.once('exit', res));
    sysBus.kill();
    await gone;
    await sys.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
