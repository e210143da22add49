// Upstart's D-Bus API on the control socket, driven by real clients: dbus-send, gdbus (call, monitor) and python3-dbus.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { dbusSend, gdbusCall, GDBUS, missingClients, python, pythonDbusMissing } from './dbusClients.ts';

const skip = missingClients();
let d: DaemonHandle;
let address: string;
let out: string;

before(async () => {
  if (skip !== undefined) return;
  d = await startDaemon({});
  out = join(d.dir, 'emitted');
  d.writeJob('svc', 'description "a service"\nauthor "someone"\nexec sleep 600\n');
  d.writeJob('net/web-app', 'start on started svc and (net-up IFACE=eth0 or runlevel RUNLEVEL!=2)\nstop on stopping svc\nemits web-up\nexec sleep 600\n');
  d.writeJob('catcher', `start on go FOO=bar*\ntask\nexec sh -c 'echo "$FOO" > ${out}'\n`);
  address = `unix:path=${d.socket}`;
  await waitUntil('the jobs to load', async () => (await d.initctl(['status', 'catcher'])).code === 0);
});

after(async () => {
  await d?.stop();
});

test('dbus-send GetAllJobs lists every job by its escaped path', { skip }, async () => {
  const r = await dbusSend(address, ['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetAllJobs']);
  assert.equal(r.code, 0, r.stderr);
  const paths = [...r.stdout.matchAll(/object path "([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(paths, ['/com/ubuntu/Upstart/jobs/catcher', '/com/ubuntu/Upstart/jobs/net_2fweb_2dapp', '/com/ubuntu/Upstart/jobs/svc']);
});

test('gdbus Start on a job path starts it; GetAllInstances and the processes property show its pid', { skip }, async () => {
  const r = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/svc', 'com.ubuntu.Upstart0_6.Job.Start', '[]', 'true');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "(objectpath '/com/ubuntu/Upstart/jobs/svc/_',)");
  const all = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/svc', 'com.ubuntu.Upstart0_6.Job.GetAllInstances');
  assert.equal(all.stdout.trim(), "([objectpath '/com/ubuntu/Upstart/jobs/svc/_'],)");
  const p = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/svc/_', 'org.freedesktop.DBus.Properties.Get', 'com.ubuntu.Upstart0_6.Instance', 'processes');
  const m = /\[\('main', (\d+)\)\]/.exec(p.stdout);
  assert.ok(m, p.stdout + p.stderr);
  const pid = Number(m[1]);
  assert.ok(alive(pid));
  assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\0' + '600\0');
  // initctl over the JSON protocol, on the same socket, sees the same process.
  assert.equal((await d.initctl(['status', 'svc'])).stdout, `svc start/running, process ${pid}\n`);
  const again = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/svc', 'com.ubuntu.Upstart0_6.Job.Start', '[]', 'true');
  assert.match(again.stderr, /com\.ubuntu\.Upstart0_6\.Error\.AlreadyStarted: Job is already running: svc/);
  const stop = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/svc/_', 'com.ubuntu.Upstart0_6.Instance.Stop', 'true');
  assert.equal(stop.code, 0, stop.stderr);
  await waitUntil('the sleep to go', () => !alive(pid));
  assert.equal((await d.initctl(['status', 'svc'])).stdout, 'svc stop/waiting\n');
});

test('EmitEvent with env reaches a start on that matches it', { skip }, async () => {
  const r = await gdbusCall(address, '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.EmitEvent', 'go', '["FOO=bar baz"]', 'true');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), 'bar baz\n');
  const bad = await gdbusCall(address, '/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.EmitEvent', 'go', '["NOEQUALS"]', 'true');
  assert.match(bad.stderr, /org\.freedesktop\.DBus\.Error\.InvalidArgs: Invalid environment entry: NOEQUALS/);
});

test('an unknown job is com.ubuntu.Upstart0_6.Error.UnknownJob', { skip }, async () => {
  const r = await dbusSend(address, ['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetJobByName', 'string:nosuch']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Error com\.ubuntu\.Upstart0_6\.Error\.UnknownJob: Unknown job: nosuch/);
  const s = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/nosuch', 'com.ubuntu.Upstart0_6.Job.Start', '[]', 'false');
  assert.match(s.stderr, /UnknownJob: Unknown job: nosuch/);
  const i = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/svc', 'com.ubuntu.Upstart0_6.Job.GetInstanceByName', 'nope');
  assert.match(i.stderr, /com\.ubuntu\.Upstart0_6\.Error\.UnknownInstance/);
  const ok = await dbusSend(address, ['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.GetJobByName', 'string:net/web-app']);
  assert.match(ok.stdout, /object path "\/com\/ubuntu\/Upstart\/jobs\/net_2fweb_2dapp"/);
});

test('wrong signature, unknown method, unknown object: D-Bus errors', { skip }, async () => {
  const sig = await dbusSend(address, ['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.EmitEvent', 'string:go']);
  assert.match(sig.stderr, /org\.freedesktop\.DBus\.Error\.InvalidArgs: com\.ubuntu\.Upstart0_6\.EmitEvent takes signature 'sasb', not 's'/);
  const meth = await dbusSend(address, ['/com/ubuntu/Upstart', 'com.ubuntu.Upstart0_6.Frobnicate']);
  assert.match(meth.stderr, /org\.freedesktop\.DBus\.Error\.UnknownMethod/);
  const obj = await dbusSend(address, ['/org/nowhere', 'com.ubuntu.Upstart0_6.GetAllJobs']);
  assert.match(obj.stderr, /org\.freedesktop\.DBus\.Error\.UnknownObject/);
});

test('python3-dbus: properties, introspection and the environment', { skip: skip ?? (await pythonDbusMissing()) }, async () => {
  const r = await python(`
import dbus, json, sys
c = dbus.connection.Connection(sys.argv[1] if len(sys.argv) > 1 else ${JSON.stringify(address)})
up = c.get_object('com.ubuntu.Upstart', '/com/ubuntu/Upstart')
props = dbus.Interface(up, 'org.freedesktop.DBus.Properties')
job = c.get_object('com.ubuntu.Upstart', '/com/ubuntu/Upstart/jobs/net_2fweb_2dapp')
jp = dbus.Interface(job, 'org.freedesktop.DBus.Properties').GetAll('com.ubuntu.Upstart0_6.Job')
svc = dbus.Interface(c.get_object('com.ubuntu.Upstart', '/com/ubuntu/Upstart/jobs/svc'), 'org.freedesktop.DBus.Properties')
mgr = dbus.Interface(up, 'com.ubuntu.Upstart0_6')
mgr.SetEnv([], 'COLOUR=blue', True)
print(json.dumps({
  'version': str(props.Get('com.ubuntu.Upstart0_6', 'version')),
  'start_on': [[str(x) for x in t] for t in jp['start_on']],
  'stop_on': [[str(x) for x in t] for t in jp['stop_on']],
  'emits': [str(x) for x in jp['emits']],
  'description': str(svc.Get('com.ubuntu.Upstart0_6.Job', 'description')),
  'colour': str(mgr.GetEnv([], 'COLOUR')),
  'listed': 'COLOUR=blue' in [str(x) for x in mgr.ListEnv([])],
  'xml': '<node name="jobs"/>' in str(up.Introspect(dbus_interface='org.freedesktop.DBus.Introspectable')),
}))
`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    version: 'init (upstart-ts 0.1.0)',
    start_on: [['started', 'svc'], ['net-up', 'IFACE=eth0'], ['runlevel', 'RUNLEVEL!=2'], ['/OR'], ['/AND']],
    stop_on: [['stopping', 'svc']],
    emits: ['web-up'],
    description: 'a service',
    colour: 'blue',
    listed: true,
    xml: true,
  });
  assert.equal((await d.initctl(['get-env', 'COLOUR'])).stdout, 'blue\n');
});

test('gdbus monitor sees the signals of a start', { skip }, async () => {
  const mon = spawn(GDBUS, ['monitor', '--address', address, '--dest', 'com.ubuntu.Upstart'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  mon.stdout.setEncoding('utf8').on('data', (s: string) => { text += s; });
  try {
    await waitUntil('gdbus monitor to start', () => text.includes('is owned by'));
    const r = await gdbusCall(address, '/com/ubuntu/Upstart/jobs/svc', 'com.ubuntu.Upstart0_6.Job.Start', '[]', 'true');
    assert.equal(r.code, 0, r.stderr);
    await waitUntil('the signals', () => text.includes("StateChanged ('running',)"));
    assert.match(text, /\/com\/ubuntu\/Upstart\/jobs\/svc: com\.ubuntu\.Upstart0_6\.Job\.InstanceAdded \(objectpath '\/com\/ubuntu\/Upstart\/jobs\/svc\/_',\)/);
    assert.match(text, /\/com\/ubuntu\/Upstart\/jobs\/svc\/_: com\.ubuntu\.Upstart0_6\.Instance\.GoalChanged \('start',\)/);
    assert.match(text, /\/com\/ubuntu\/Upstart: com\.ubuntu\.Upstart0_6\.EventEmitted \('starting', \['JOB=svc', 'INSTANCE='\]\)/);
    await d.initctl(['stop', 'svc']);
    await waitUntil('InstanceRemoved', () => text.includes('InstanceRemoved'));
    d.writeJob('newcomer', 'exec sleep 1\n');
    await waitUntil('JobAdded', () => text.includes("JobAdded (objectpath '/com/ubuntu/Upstart/jobs/newcomer',)"));
  } finally {
    mon.kill();
  }
});

test('the daemon log names no crash', { skip }, () => {
  assert.doesNotMatch(d.stderr(), /internal error|TypeError|RangeError/);
  assert.ok(existsSync(d.socket));
});
