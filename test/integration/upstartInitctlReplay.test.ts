// The D-Bus calls Upstart 1.13.2's own initctl makes for each command (recorded with strace, docs/dbus.md), replayed with python3-dbus.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, ROOT, run, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { missingClients, PYTHON, pythonDbusMissing } from './dbusClients.ts';

const REPLAY = join(ROOT, 'test/integration/fixtures/initctlReplay.py');
const UPSTART = '/com/ubuntu/Upstart';
const MANAGER = 'com.ubuntu.Upstart0_6';
const JOB = 'com.ubuntu.Upstart0_6.Job';
const INSTANCE = 'com.ubuntu.Upstart0_6.Instance';
const PROPS = 'org.freedesktop.DBus.Properties';

type Step = [path: string, iface: string, member: string, signature: string, args: unknown[]];
interface Variant { v: string; value: unknown }
type Reply = { sig: string; value: unknown } | { error: string; message: string };

// One step each, as initctl sends them ("$N": the object path step N returned).
const manager = (member: string, signature = '', args: unknown[] = []): Step => [UPSTART, MANAGER, member, signature, args];
const job = (path: string, member: string, signature = '', args: unknown[] = []): Step => [path, JOB, member, signature, args];
const getJobByName = (name: string): Step => manager('GetJobByName', 's', [name]);
const jobName = (path: string): Step => [path, PROPS, 'Get', 'ss', [JOB, 'name']];
const jobProp = (path: string, prop: string): Step => [path, PROPS, 'Get', 'ss', [JOB, prop]];
const instanceAll = (path: string): Step => [path, PROPS, 'GetAll', 's', [INSTANCE]];

let skip: string | undefined = missingClients();
let d: DaemonHandle;
let address: string;
let out: string;

before(async () => {
  skip ??= await pythonDbusMissing();
  if (skip !== undefined) return;
  d = await startDaemon({});
  out = join(d.dir, 'emitted');
  d.writeJob('svc', `description "a service"\nusage "svc takes nothing"\nexec sh -c 'trap "" HUP; exec sleep 600'\n`);
  d.writeJob('inst', 'instance $NAME\nexec sleep 600\n');
  d.writeJob('web', 'start on started svc and (net-up IFACE=eth0 or runlevel RUNLEVEL!=2)\nstop on stopping svc\nemits web-up\nexec sleep 600\n');
  d.writeJob('catcher', `start on go FOO=bar*\ntask\nexec sh -c 'echo "$FOO" > ${out}'\n`);
  d.writeJob('bad', 'start on boom\ntask\nexec false\n');
  d.writeJob('nostart', 'pre-start exec false\nexec sleep 600\n');
  address = `unix:path=${d.socket}`;
  await waitUntil('the jobs to load', async () => (await d.initctl(['status', 'nostart'])).code === 0);
});

after(async () => {
  await d?.stop();
});

/** One initctl command's calls, on one connection as initctl opens it; the replies in order. */
async function replay(steps: Step[]): Promise<Reply[]> {
  const r = await run(PYTHON, [REPLAY, address, JSON.stringify(steps)], {}, 20_000);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Reply[];
}

function ok(r: Reply | undefined, sig: string): unknown {
  assert.ok(r !== undefined && 'sig' in r, `expected a ${sig} reply, got ${JSON.stringify(r)}`);
  assert.equal(r.sig, sig);
  return r.value;
}

function failed(r: Reply | undefined, error: string, message: string): void {
  assert.deepEqual(r, { error, message });
}

/** A variant's value, checking its signature. */
function variant(v: unknown, sig: string): unknown {
  assert.equal((v as Variant).v, sig);
  return (v as Variant).value;
}

/** GetAll of an instance as initctl reads it: name, goal, state (s) and processes (a(si)). */
function instance(v: unknown): { name: string; goal: string; state: string; processes: Array<[string, number]> } {
  const all = v as Record<string, unknown>;
  assert.deepEqual(Object.keys(all).sort(), ['goal', 'name', 'processes', 'state']);
  return {
    name: variant(all.name, 's') as string,
    goal: variant(all.goal, 's') as string,
    state: variant(all.state, 's') as string,
    processes: variant(all.processes, 'a(si)') as Array<[string, number]>,
  };
}

test('version: the version property', { skip }, async () => {
  const [v] = await replay([[UPSTART, PROPS, 'Get', 'ss', [MANAGER, 'version']]]);
  assert.match(variant(ok(v, 'v'), 's') as string, /^init \(upstart-ts \d+\.\d+\.\d+\)$/);
});

test('start, status, restart, reload, stop of a job without instances', { skip }, async () => {
  const svc = '/com/ubuntu/Upstart/jobs/svc';
  // initctl start svc
  const start = await replay([getJobByName('svc'), job('$1', 'Start', 'asb', [[], true]), jobName('$1'), instanceAll('$2')]);
  assert.equal(ok(start[0], 'o'), svc);
  assert.equal(ok(start[1], 'o'), `${svc}/_`);
  assert.equal(variant(ok(start[2], 'v'), 's'), 'svc');
  const running = instance(ok(start[3], 'a{sv}'));
  assert.deepEqual({ ...running, processes: running.processes.map(([p]) => p) }, { name: '', goal: 'start', state: 'running', processes: ['main'] });
  const pid = running.processes[0]![1];
  assert.ok(alive(pid));
  // initctl status svc
  const status = await replay([getJobByName('svc'), job('$1', 'GetInstance', 'as', [[]]), jobName('$1'), instanceAll('$2')]);
  assert.equal(ok(status[1], 'o'), `${svc}/_`);
  assert.deepEqual(instance(ok(status[3], 'a{sv}')).processes, [['main', pid]]);
  // initctl start svc again: Upstart's error and text
  const again = await replay([getJobByName('svc'), job('$1', 'Start', 'asb', [[], true])]);
  failed(again[1], 'com.ubuntu.Upstart0_6.Error.AlreadyStarted', 'Job is already running: svc');
  // initctl restart svc
  const restart = await replay([getJobByName('svc'), job('$1', 'Restart', 'asb', [[], true]), jobName('$1'), instanceAll('$2')]);
  assert.equal(ok(restart[1], 'o'), `${svc}/_`);
  const after = instance(ok(restart[3], 'a{sv}'));
  assert.equal(after.state, 'running');
  const pid2 = after.processes[0]![1];
  assert.notEqual(pid2, pid);
  // initctl reload svc: the instance's Reload (the job ignores HUP and keeps running)
  const reload = await replay([getJobByName('svc'), job('$1', 'GetInstance', 'as', [[]]), ['$2', INSTANCE, 'Reload', '', []]]);
  assert.equal(ok(reload[2], ''), null);
  assert.ok(alive(pid2));
  // initctl stop svc: after Stop it reads the instance, which is gone; UnknownMethod is what it prints as stop/waiting
  const stop = await replay([getJobByName('svc'), job('$1', 'GetInstance', 'as', [[]]), job('$1', 'Stop', 'asb', [[], true]), jobName('$1'), instanceAll('$2')]);
  assert.equal(ok(stop[2], ''), null);
  assert.equal(variant(ok(stop[3], 'v'), 's'), 'svc');
  assert.equal((stop[4] as { error: string }).error, 'org.freedesktop.DBus.Error.UnknownMethod');
  assert.ok(!alive(pid2));
  // initctl status svc (stopped): UnknownInstance, which it prints as `svc stop/waiting`
  const stopped = await replay([getJobByName('svc'), job('$1', 'GetInstance', 'as', [[]]), jobName('$1')]);
  failed(stopped[1], 'com.ubuntu.Upstart0_6.Error.UnknownInstance', 'Unknown instance: ');
  assert.equal(variant(ok(stopped[2], 'v'), 's'), 'svc');
  // initctl stop svc / restart svc when stopped: `initctl: Unknown instance: `
  const stop2 = await replay([getJobByName('svc'), job('$1', 'GetInstance', 'as', [[]])]);
  failed(stop2[1], 'com.ubuntu.Upstart0_6.Error.UnknownInstance', 'Unknown instance: ');
  const restart2 = await replay([getJobByName('svc'), job('$1', 'Restart', 'asb', [[], true])]);
  failed(restart2[1], 'com.ubuntu.Upstart0_6.Error.UnknownInstance', 'Unknown instance: ');
});

test('instances: start, status, stop JOB NAME=x; a missing instance variable', { skip }, async () => {
  const inst = '/com/ubuntu/Upstart/jobs/inst';
  const start = await replay([getJobByName('inst'), job('$1', 'Start', 'asb', [['NAME=x'], true]), jobName('$1'), instanceAll('$2')]);
  assert.equal(ok(start[1], 'o'), `${inst}/x`);
  assert.equal(instance(ok(start[3], 'a{sv}')).name, 'x');
  const status = await replay([getJobByName('inst'), job('$1', 'GetInstance', 'as', [['NAME=x']]), jobName('$1'), instanceAll('$2')]);
  assert.equal(ok(status[1], 'o'), `${inst}/x`);
  const dup = await replay([getJobByName('inst'), job('$1', 'Start', 'asb', [['NAME=x'], true])]);
  failed(dup[1], 'com.ubuntu.Upstart0_6.Error.AlreadyStarted', 'Job is already running: inst (x)');
  const stop = await replay([getJobByName('inst'), job('$1', 'GetInstance', 'as', [['NAME=x']]), job('$1', 'Stop', 'asb', [['NAME=x'], true]), jobName('$1'), instanceAll('$2')]);
  assert.equal(ok(stop[2], ''), null);
  assert.equal((stop[4] as { error: string }).error, 'org.freedesktop.DBus.Error.UnknownMethod');
  const gone = await replay([getJobByName('inst'), job('$1', 'GetInstance', 'as', [['NAME=x']])]);
  failed(gone[1], 'com.ubuntu.Upstart0_6.Error.UnknownInstance', 'Unknown instance: x');
  const noName = await replay([getJobByName('inst'), job('$1', 'Start', 'asb', [[], true])]);
  assert.equal((noName[1] as { message: string }).message, 'Unknown parameter: NAME');
});

test('list: every job, its instances and their properties', { skip }, async () => {
  const started = await replay([getJobByName('inst'), job('$1', 'Start', 'asb', [['NAME=p'], true])]);
  assert.equal(ok(started[1], 'o'), '/com/ubuntu/Upstart/jobs/inst/p');
  const [all] = await replay([manager('GetAllJobs')]);
  const paths = ok(all, 'ao') as string[];
  assert.deepEqual(paths, ['bad', 'catcher', 'inst', 'nostart', 'svc', 'web'].map((j) => `/com/ubuntu/Upstart/jobs/${j}`));
  const steps: Step[] = paths.flatMap((p) => [job(p, 'GetAllInstances'), jobName(p)]);
  const replies = await replay(steps);
  const instances = replies.filter((_, i) => i % 2 === 0).map((r) => ok(r, 'ao') as string[]);
  assert.deepEqual(instances[2], ['/com/ubuntu/Upstart/jobs/inst/p']);
  assert.deepEqual(instances.filter((x, i) => i !== 2 && x.length > 0), []);
  assert.deepEqual(replies.filter((_, i) => i % 2 === 1).map((r) => variant(ok(r, 'v'), 's')), ['bad', 'catcher', 'inst', 'nostart', 'svc', 'web']);
  const [p] = await replay([instanceAll('/com/ubuntu/Upstart/jobs/inst/p')]);
  assert.equal(instance(ok(p, 'a{sv}')).name, 'p');
  await replay([getJobByName('inst'), job('$1', 'Stop', 'asb', [['NAME=p'], true])]);
});

test('emit: EmitEvent reaches a start on; a failed job is EventFailed; -n does not wait', { skip }, async () => {
  const [e] = await replay([manager('EmitEvent', 'sasb', ['go', ['FOO=barx'], true])]);
  assert.equal(ok(e, ''), null);
  assert.equal(readFileSync(out, 'utf8'), 'barx\n');
  const [boom] = await replay([manager('EmitEvent', 'sasb', ['boom', [], true])]);
  failed(boom, 'com.ubuntu.Upstart0_6.Error.EventFailed', 'Event failed');
  const [n] = await replay([manager('EmitEvent', 'sasb', ['go', ['FOO=bary'], false])]);
  assert.equal(ok(n, ''), null);
  await waitUntil('the catcher to run again', () => existsSync(out) && readFileSync(out, 'utf8') === 'bary\n');
  const fail = await replay([getJobByName('nostart'), job('$1', 'Start', 'asb', [[], true])]);
  failed(fail[1], 'com.ubuntu.Upstart0_6.Error.JobFailed', 'Job failed to start');
});

test('get-env, set-env (--retain), list-env, unset-env, reset-env on the global table', { skip }, async () => {
  const r = await replay([
    manager('SetEnvList', 'asasb', [[], ['A=1'], true]),
    manager('SetEnvList', 'asasb', [[], ['A=2'], false]),
    manager('GetEnv', 'ass', [[], 'A']),
    manager('ListEnv', 'as', [[]]),
    manager('UnsetEnvList', 'asas', [[], ['A']]),
    manager('GetEnv', 'ass', [[], 'A']),
    manager('UnsetEnvList', 'asas', [[], ['A']]),
    manager('ResetEnv', 'as', [[]]),
  ]);
  assert.equal(ok(r[0], ''), null);
  assert.equal(ok(r[2], 's'), '1');
  assert.ok((ok(r[3], 'as') as string[]).includes('A=1'));
  failed(r[5], 'org.freedesktop.DBus.Error.InvalidArgs', 'No such variable');
  // initctl(8): unset-env ignores variables that are not set.
  assert.equal(ok(r[6], ''), null);
  assert.equal(ok(r[7], ''), null);
});

test('the env commands from inside a job: job_details is [UPSTART_JOB, UPSTART_INSTANCE]', { skip }, async () => {
  const start = await replay([getJobByName('svc'), job('$1', 'Start', 'asb', [[], true])]);
  assert.equal(ok(start[1], 'o'), '/com/ubuntu/Upstart/jobs/svc/_');
  const r = await replay([
    manager('SetEnvList', 'asasb', [['svc', ''], ['B=2'], true]),
    manager('GetEnv', 'ass', [['svc', ''], 'B']),
    manager('ListEnv', 'as', [['svc', '']]),
    manager('GetEnv', 'ass', [[], 'B']),
  ]);
  assert.equal(ok(r[0], ''), null);
  assert.equal(ok(r[1], 's'), '2');
  assert.ok((ok(r[2], 'as') as string[]).includes('B=2'));
  failed(r[3], 'org.freedesktop.DBus.Error.InvalidArgs', 'No such variable');
  const stop = await replay([getJobByName('svc'), job('$1', 'Stop', 'asb', [[], true])]);
  assert.equal(ok(stop[1], ''), null);
});

test('show-config, check-config and usage: the job properties', { skip }, async () => {
  const web = '/com/ubuntu/Upstart/jobs/web';
  const r = await replay([getJobByName('web'), jobName(web), jobProp(web, 'emits'), jobProp(web, 'start_on'), jobProp(web, 'stop_on'), jobProp('/com/ubuntu/Upstart/jobs/svc', 'usage')]);
  assert.equal(variant(ok(r[1], 'v'), 's'), 'web');
  assert.deepEqual(variant(ok(r[2], 'v'), 'as'), ['web-up']);
  assert.deepEqual(variant(ok(r[3], 'v'), 'aas'), [['started', 'svc'], ['net-up', 'IFACE=eth0'], ['runlevel', 'RUNLEVEL!=2'], ['/OR'], ['/AND']]);
  assert.deepEqual(variant(ok(r[4], 'v'), 'aas'), [['stopping', 'svc']]);
  assert.equal(variant(ok(r[5], 'v'), 's'), 'svc takes nothing');
});

test('log-priority, reload-configuration, notify-disk-writeable; an unknown job', { skip }, async () => {
  const r = await replay([
    [UPSTART, PROPS, 'Set', 'ssv', [MANAGER, 'log_priority', 'info']],
    [UPSTART, PROPS, 'Get', 'ss', [MANAGER, 'log_priority']],
    manager('ReloadConfiguration'),
    manager('NotifyDiskWriteable'),
    getJobByName('nosuch'),
  ]);
  assert.equal(ok(r[0], ''), null);
  assert.equal(variant(ok(r[1], 'v'), 's'), 'info');
  assert.equal(ok(r[2], ''), null);
  assert.equal(ok(r[3], ''), null);
  failed(r[4], 'com.ubuntu.Upstart0_6.Error.UnknownJob', 'Unknown job: nosuch');
});
