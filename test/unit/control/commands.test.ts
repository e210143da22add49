// Golden output of every initctl command, driven through runCommand with a fake engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommand } from '../../../src/control/commands/index.ts';
import { parseJob } from '../../../src/config/parser.ts';
import { DAEMON_EVENT_NAMES } from '../../../src/model/daemonEvents.ts';
import type { JobClassSpec } from '../../../src/model/jobClass.ts';
import { FakeEngine, FakeHooks } from './fakeEngine.ts';

interface Run {
  stdout: string;
  stderr: string;
  status: number;
}

async function run(
  argv: string[],
  engine: FakeEngine,
  o: { env?: Record<string, string>; denial?: string; hooks?: FakeHooks; signal?: AbortSignal } = {},
): Promise<Run> {
  const r: Run = { stdout: '', stderr: '', status: -1 };
  r.status = await runCommand(argv, {
    engine,
    hooks: o.hooks ?? new FakeHooks(),
    env: o.env ?? {},
    denial: o.denial,
    write: (s, d) => {
      r[s] += d;
    },
    signal: o.signal ?? new AbortController().signal,
  });
  return r;
}

function job(name: string, text: string): JobClassSpec {
  const r = parseJob(text, { file: `${name}.conf`, name });
  assert.equal(r.errors.length, 0, r.errors.map((e) => e.message).join('; '));
  return r.spec as JobClassSpec;
}

function engineWithJobs(): FakeEngine {
  const e = new FakeEngine();
  e.add('foo').add('bar').add('tty', { instance: '$TTY' });
  e.setInstances('foo', [{ job: 'foo', instance: '', goal: 'start', state: 'running', processes: [{ process: 'main', pid: 1234 }] }]);
  e.setInstances('tty', [
    { job: 'tty', instance: 'tty1', goal: 'start', state: 'post-start', processes: [{ process: 'main', pid: 1234 }, { process: 'post-start', pid: 1357 }] },
    { job: 'tty', instance: 'tty2', goal: 'start', state: 'post-start', processes: [{ process: 'post-start', pid: 1358 }] },
  ]);
  return e;
}

const TRY = "Try `initctl --help' for more information.\n";

test('status, list, start, stop: Upstart status lines byte for byte', async () => {
  const cases: Array<{ argv: string[]; stdout: string; stderr?: string; status?: number }> = [
    { argv: ['initctl', 'status', 'foo'], stdout: 'foo start/running, process 1234\n' },
    { argv: ['initctl', 'status', 'bar'], stdout: 'bar stop/waiting\n' },
    { argv: ['initctl', 'status', 'tty', 'TTY=tty1'], stdout: 'tty (tty1) start/post-start, process 1234\n\tpost-start process 1357\n' },
    { argv: ['initctl', 'status', 'tty', 'TTY=tty2'], stdout: 'tty (tty2) start/post-start, (post-start) process 1358\n' },
    { argv: ['initctl', 'status', 'tty', 'TTY=tty9'], stdout: '', stderr: 'initctl: Unknown instance: tty (tty9)\n', status: 1 },
    { argv: ['initctl', 'status', 'nope'], stdout: '', stderr: 'initctl: Unknown job: nope\n', status: 1 },
    { argv: ['initctl', 'status'], stdout: '', stderr: `initctl: missing job name\n${TRY}`, status: 1 },
    { argv: ['status', 'foo'], stdout: 'foo start/running, process 1234\n' },
    { argv: ['status', 'nope'], stdout: '', stderr: 'status: Unknown job: nope\n', status: 1 },
    {
      argv: ['initctl', 'list'],
      stdout: 'bar stop/waiting\nfoo start/running, process 1234\n'
        + 'tty (tty1) start/post-start, process 1234\n\tpost-start process 1357\ntty (tty2) start/post-start, (post-start) process 1358\n',
    },
    { argv: ['initctl', 'start', 'bar'], stdout: 'bar start/running, process 1000\n' },
    { argv: ['initctl', 'start', 'foo'], stdout: '', stderr: 'initctl: Job is already running: foo\n', status: 1 },
    { argv: ['start', 'foo'], stdout: '', stderr: 'start: Job is already running: foo\n', status: 1 },
    { argv: ['initctl', 'stop', 'foo'], stdout: 'foo stop/waiting\n' },
    { argv: ['initctl', 'stop', 'bar'], stdout: '', stderr: 'initctl: Job has already been stopped: bar\n', status: 1 },
    { argv: ['initctl', '-q', 'start', 'bar'], stdout: '' },
    { argv: ['initctl', 'start', 'bar', '--quiet'], stdout: '' },
    { argv: ['initctl', 'reload', 'foo'], stdout: '' },
    { argv: ['initctl', 'restart', 'foo'], stdout: 'foo start/running, process 1000\n' },
    { argv: ['initctl', 'list', 'x'], stdout: '', stderr: `initctl: unexpected argument\n${TRY}`, status: 1 },
  ];
  for (const c of cases) {
    const r = await run(c.argv, engineWithJobs());
    assert.deepEqual(r, { stdout: c.stdout, stderr: c.stderr ?? '', status: c.status ?? 0 }, c.argv.join(' '));
  }
});

test('--no-wait / -n reach the engine; KEY=VALUE pairs pass through', async () => {
  const e = engineWithJobs();
  await run(['initctl', '--no-wait', 'start', 'bar', 'A=1'], e);
  await run(['initctl', 'stop', '-n', 'bar'], e);
  assert.deepEqual(e.calls, ['start bar A=1 wait=false', 'stop bar  wait=false']);
});

test('start/stop without a job name act on the calling job, without waiting', async () => {
  const e = engineWithJobs();
  const r = await run(['initctl', 'stop'], e, { env: { UPSTART_JOB: 'tty', UPSTART_INSTANCE: 'tty1' } });
  assert.equal(r.stdout, 'tty (tty1) stop/waiting\n');
  assert.deepEqual(e.calls, ['stop tty TTY=tty1 wait=false']);
  const s = await run(['status'], e, { env: { UPSTART_JOB: 'foo', UPSTART_INSTANCE: '' } });
  assert.equal(s.stdout, 'foo start/running, process 1234\n');
});

test('usage errors name the problem and point at --help', async () => {
  const cases: Array<[string[], string]> = [
    [['initctl'], 'missing command'],
    [['initctl', 'frobnicate'], 'invalid command: frobnicate'],
    [['initctl', '--frob', 'list'], 'invalid option: --frob'],
    [['initctl', 'list', '-x'], 'invalid option: -x'],
    [['initctl', 'emit'], 'missing event name'],
    [['initctl', 'status', '--socket'], 'missing argument: --socket'],
    [['initctl', 'get-env'], 'missing variable name'],
    [['initctl', 'show-config', '-z'], 'invalid option: -z'],
  ];
  for (const [argv, msg] of cases) {
    const r = await run(argv, engineWithJobs());
    assert.deepEqual(r, { stdout: '', stderr: `initctl: ${msg}\n${TRY}`, status: 1 }, argv.join(' '));
  }
});

test('global options before or after the command; --socket and --system are accepted and ignored by the daemon', async () => {
  for (const argv of [
    ['initctl', '--socket', '/x', 'status', 'foo'],
    ['initctl', 'status', '--socket=/x', 'foo', '--system'],
    ['initctl', '--user', 'status', 'foo', '--dest', 'com.ubuntu.Upstart'],
  ]) {
    const r = await run(argv, engineWithJobs());
    assert.equal(r.stdout, 'foo start/running, process 1234\n', argv.join(' '));
  }
});

test('emit: waits unless --no-wait; failure is exit 1 with the engine text', async () => {
  const e = engineWithJobs();
  assert.deepEqual(await run(['initctl', 'emit', 'net-up', 'IFACE=eth0'], e), { stdout: '', stderr: '', status: 0 });
  await run(['initctl', 'emit', '--no-wait', 'x'], e);
  assert.deepEqual(e.emitted, [{ name: 'net-up', env: ['IFACE=eth0'], wait: true }, { name: 'x', env: [], wait: false }]);
  e.failEmit = true;
  assert.deepEqual(await run(['initctl', 'emit', 'y'], e), { stdout: '', stderr: 'initctl: Event failed\n', status: 1 });
});

test('denied changes say why; reads still work', async () => {
  const denial = 'Permission denied: only root may change the system init (you are uid 1000)';
  const e = engineWithJobs();
  for (const argv of [['initctl', 'start', 'bar'], ['initctl', 'emit', 'x'], ['initctl', 'set-env', 'A=1'], ['initctl', 'log-priority', 'debug'], ['initctl', 'reload-configuration']]) {
    assert.deepEqual(await run(argv, e, { denial }), { stdout: '', stderr: `initctl: ${denial}\n`, status: 1 }, argv.join(' '));
  }
  assert.equal((await run(['initctl', 'status', 'foo'], e, { denial })).status, 0);
  assert.equal((await run(['initctl', 'log-priority'], e, { denial })).stdout, 'message\n');
  assert.deepEqual(e.calls, []);
  assert.deepEqual(e.emitted, []);
});

test('environment table commands', async () => {
  const e = engineWithJobs();
  const hooks = new FakeHooks();
  assert.equal((await run(['initctl', 'list-env'], e)).stdout, 'PATH=/usr/bin:/bin\nTERM=linux\n');
  assert.equal((await run(['initctl', 'set-env', 'FOO=a b', 'BAR'], e)).status, 0);
  assert.equal((await run(['initctl', 'get-env', 'FOO'], e)).stdout, 'a b\n');
  assert.equal((await run(['initctl', 'get-env', '-g', 'BAR'], e)).stdout, '\n');
  await run(['initctl', 'set-env', '--retain', 'FOO=changed'], e);
  assert.equal(e.env.get('FOO'), 'a b');
  await run(['initctl', 'unset-env', 'FOO'], e);
  assert.deepEqual(await run(['initctl', 'get-env', 'FOO'], e), { stdout: '', stderr: 'initctl: No such variable: FOO\n', status: 1 });
  assert.equal((await run(['initctl', 'set-env', '1X=2'], e)).stderr, `initctl: invalid variable name: 1X\n${TRY}`);
  await run(['initctl', 'reset-env'], e, { hooks });
  assert.deepEqual([...e.env], [['PATH', '/usr/bin:/bin'], ['TERM', 'linux']]);
  assert.equal((await run(['initctl', 'list-env', '--json'], e)).stdout, '{\n  "PATH": "/usr/bin:/bin",\n  "TERM": "linux"\n}\n');
});

test('inside a job the env commands act on its own table; -g, or no job, on the global one', async () => {
  const e = engineWithJobs();
  e.instanceEnv.set('tty/tty1', new Map([['UPSTART_JOB', 'tty'], ['TTY', 'tty1']]));
  const inJob = { env: { UPSTART_JOB: 'tty', UPSTART_INSTANCE: 'tty1' } };
  assert.equal((await run(['initctl', 'list-env'], e, inJob)).stdout, 'TTY=tty1\nUPSTART_JOB=tty\n');
  assert.equal((await run(['initctl', 'set-env', 'ONLY=me'], e, inJob)).status, 0);
  assert.equal((await run(['initctl', 'get-env', 'ONLY'], e, inJob)).stdout, 'me\n');
  assert.equal(e.env.has('ONLY'), false);
  assert.equal((await run(['initctl', 'get-env', '--global', 'PATH'], e, inJob)).stdout, '/usr/bin:/bin\n');
  assert.equal((await run(['initctl', 'set-env', '-g', 'BOTH=1'], e, inJob)).status, 0);
  assert.equal(e.env.get('BOTH'), '1');
  assert.equal(e.instanceEnv.get('tty/tty1')?.get('BOTH'), '1');
  await run(['initctl', 'unset-env', 'TTY'], e, inJob);
  assert.equal(e.instanceEnv.get('tty/tty1')?.has('TTY'), false);
  const gone = await run(['initctl', 'list-env'], e, { env: { UPSTART_JOB: 'tty', UPSTART_INSTANCE: 'tty9' } });
  assert.deepEqual(gone, { stdout: '', stderr: 'initctl: Unknown instance: tty\n', status: 1 });
});

test('notify-ready emits ready JOB INSTANCE for the calling job, or the one named, without waiting', async () => {
  const e = engineWithJobs();
  assert.equal((await run(['initctl', 'notify-ready'], e, { env: { UPSTART_JOB: 'tty', UPSTART_INSTANCE: 'tty1' } })).status, 0);
  assert.equal((await run(['initctl', 'notify-ready', 'foo'], e, { env: { UPSTART_JOB: 'tty', UPSTART_INSTANCE: 'tty1' } })).status, 0);
  assert.equal((await run(['initctl', 'notify-ready', 'tty', 'tty2'], e)).status, 0);
  assert.deepEqual(e.emitted, [
    { name: 'ready', env: ['JOB=tty', 'INSTANCE=tty1'], wait: false },
    { name: 'ready', env: ['JOB=foo', 'INSTANCE='], wait: false },
    { name: 'ready', env: ['JOB=tty', 'INSTANCE=tty2'], wait: false },
  ]);
  assert.equal((await run(['initctl', 'notify-ready'], e)).stderr, `initctl: missing job name\n${TRY}`);
  assert.deepEqual(await run(['initctl', 'notify-ready', 'nope'], e), { stdout: '', stderr: 'initctl: Unknown job: nope\n', status: 1 });
});

test('daemon commands go through the hooks', async () => {
  const e = engineWithJobs();
  const hooks = new FakeHooks();
  assert.equal((await run(['initctl', 'version'], e, { hooks })).stdout, 'init (upstart-ts 0.1.0)\n');
  assert.equal((await run(['initctl', 'log-priority'], e, { hooks })).stdout, 'message\n');
  assert.equal((await run(['initctl', 'log-priority', 'debug'], e, { hooks })).status, 0);
  assert.equal(hooks.priority, 'debug');
  assert.equal((await run(['initctl', 'log-priority', 'loud'], e, { hooks })).status, 1);
  await run(['initctl', 'reload-configuration'], e, { hooks });
  await run(['initctl', 'notify-disk-writeable'], e, { hooks });
  assert.deepEqual([hooks.reloads, hooks.flushes], [1, 1]);
  assert.equal((await run(['initctl', 'notify-dbus-address', 'unix:abstract=/tmp/dbus-x'], e, { hooks })).status, 0);
  assert.equal((await run(['initctl', 'notify-cgroup-manager-address', 'unix:path=/sys/fs/cgroup/cgmanager/sock'], e, { hooks })).status, 0);
  assert.deepEqual(hooks.addresses, ['dbus unix:abstract=/tmp/dbus-x', 'cgroup-manager unix:path=/sys/fs/cgroup/cgmanager/sock']);
  assert.deepEqual(await run(['initctl', 'notify-dbus-address', 'refused'], e, { hooks }), { stdout: '', stderr: 'initctl: notify-dbus-address is only permitted in a session init\n', status: 1 });
  assert.equal((await run(['initctl', 'notify-dbus-address'], e, { hooks })).stderr, `initctl: missing D-Bus address\n${TRY}`);
  assert.equal((await run(['initctl', 'list-sessions'], e, { hooks })).stdout, '77 unix:path=/run/user/1000/upstart/session-77.sock\n');
  assert.equal((await run(['initctl', 'version', '--json'], e, { hooks })).stdout, '{\n  "version": "init (upstart-ts 0.1.0)"\n}\n');
});

test('usage JOB prints the usage stanza', async () => {
  const e = engineWithJobs();
  e.add('tty2', { usage: 'tty DEV=ttyX - where X is console id' });
  assert.equal((await run(['initctl', 'usage', 'tty2'], e)).stdout, 'Usage: tty DEV=ttyX - where X is console id\n');
  assert.equal((await run(['initctl', 'usage', 'foo'], e)).stdout, 'Usage: \n');
});

test('show-config and show-config -e', async () => {
  const e = new FakeEngine();
  e.addOrReplaceClass(job('foo', 'emits boing\nemits blip\nstart on starting A and (B or C var=2)\nstop on bar HELLO=world testing=123 or stopping wibble\n'));
  e.addOrReplaceClass(job('plain', 'exec /bin/true\n'));
  e.addOrReplaceClass(job('man', 'start on a\nmanual\n'));
  assert.equal((await run(['initctl', 'show-config', 'foo'], e)).stdout,
    'foo\n  emits boing\n  emits blip\n  start on (starting A and (B or C var=2))\n  stop on (bar HELLO=world testing=123 or stopping wibble)\n');
  assert.equal((await run(['initctl', 'show-config', '-e', 'foo'], e)).stdout,
    'foo\n  emits boing\n  emits blip\n  start on starting (job: A, env:)\n  start on B (job:, env:)\n  start on C (job:, env: var=2)\n'
    + '  stop on bar (job:, env: HELLO=world testing=123)\n  stop on stopping (job: wibble, env:)\n');
  assert.equal((await run(['initctl', 'show-config'], e)).stdout.split('\n')[0], 'foo');
  assert.match((await run(['initctl', 'show-config'], e)).stdout, /\nman\nplain\n$/);
  assert.deepEqual(await run(['initctl', 'show-config', 'nope'], e), { stdout: '', stderr: 'initctl: Unknown job: nope\n', status: 1 });
  const j = JSON.parse((await run(['initctl', 'show-config', '--json', 'foo'], e)).stdout);
  assert.deepEqual(j, [{ name: 'foo', emits: ['boing', 'blip'], start: '(starting A and (B or C var=2))', stop: '(bar HELLO=world testing=123 or stopping wibble)' }]);
});

test('check-config: unknown events and jobs, --ignore-events, --warn, exit status', async () => {
  const e = new FakeEngine();
  e.addOrReplaceClass(job('foo', 'start on starting grape\nstop on peach\n'));
  e.addOrReplaceClass(job('bar', 'start on (A and (started B or (starting C or D)))\n'));
  e.addOrReplaceClass(job('emitter', 'emits A\nemits net-*\nstart on startup\n'));
  e.addOrReplaceClass(job('ok', 'start on net-up or runlevel [2345]\nstop on stopped emitter\n'));
  e.addOrReplaceClass(job('half', 'start on net-up or mystery\n'));
  const r = await run(['initctl', 'check-config'], e);
  assert.deepEqual(r, {
    stdout: 'bar\n  start on: unknown job B\n  start on: unknown job C\n  start on: unknown event D\n'
      + 'foo\n  start on: unknown job grape\n  stop on: unknown event peach\n',
    stderr: '',
    status: 1,
  });
  assert.equal((await run(['initctl', 'check-config', 'ok'], e)).status, 0);
  assert.equal((await run(['initctl', 'check-config', 'half'], e)).stdout, '');
  assert.equal((await run(['initctl', 'check-config', '--warn', 'half'], e)).stdout, 'half\n  start on: unknown event mystery\n');
  assert.equal((await run(['initctl', 'check-config', '-w', '--ignore-events=mystery', 'half'], e)).status, 0);
  assert.equal((await run(['initctl', 'check-config', '-i', 'peach', 'foo'], e)).stdout, 'foo\n  start on: unknown job grape\n');
  assert.deepEqual(JSON.parse((await run(['initctl', 'check-config', '--json', 'foo'], e)).stdout), [
    { job: 'foo', problems: [{ on: 'start', kind: 'job', name: 'grape' }, { on: 'stop', kind: 'event', name: 'peach' }] },
  ]);
});

test('check-config: every event the daemon emits is known, ready among them (regression: ready was flagged)', async () => {
  const e = new FakeEngine();
  e.addOrReplaceClass(job('db', 'start on startup\n'));
  e.addOrReplaceClass(job('app', 'start on ready JOB=db\n'));
  for (const name of DAEMON_EVENT_NAMES) e.addOrReplaceClass(job(`on-${name}`, `start on ${name}\n`));
  assert.deepEqual(await run(['initctl', 'check-config', '--warn'], e), { stdout: '', stderr: '', status: 0 });
});

test('check-config: emits globs match as fnmatch does (the one glob of events/)', async () => {
  const e = new FakeEngine();
  e.addOrReplaceClass(job('emitter', 'emits net-[!x]*\nemits disk\\?\n'));
  e.addOrReplaceClass(job('up', 'start on net-up\n'));
  e.addOrReplaceClass(job('x', 'start on net-xyz\n'));
  e.addOrReplaceClass(job('q', 'start on disk?\n'));
  e.addOrReplaceClass(job('r', 'start on diskr\n'));
  assert.equal((await run(['initctl', 'check-config'], e)).stdout, 'r\n  start on: unknown event diskr\nx\n  start on: unknown event net-xyz\n');
});

test('events prints the journal; --follow streams until the client goes away', async () => {
  const e = engineWithJobs();
  const r = await run(['initctl', 'events'], e);
  assert.equal(r.stdout, '0.000 event startup\n0.012 spawn foo main process 42\n');
  const ac = new AbortController();
  let out = '';
  const done = runCommand(['initctl', 'events', '--follow'], {
    engine: e, hooks: new FakeHooks(), env: {}, denial: undefined, signal: ac.signal,
    write: (_s, d) => {
      out += d;
      if (out.includes('tty')) ac.abort();
    },
  });
  assert.equal(e.listenerCount, 1);
  await e.start('bar', ['TTY=x'], true);
  await e.start('tty', ['TTY=tty5'], true);
  assert.equal(await done, 0);
  assert.equal(e.listenerCount, 0);
  assert.equal(out, '0.000 event startup\n0.012 spawn foo main process 42\n1.500 state bar start/running\n1.500 state tty (tty5) start/running\n');
});

test('why JOB shows each leaf', async () => {
  const r = await run(['initctl', 'why', 'foo'], engineWithJobs());
  assert.equal(r.stdout, 'foo\n  start on: false\n    started a: true (event started a at 1.000s)\n    b: false\n');
});

test('--json on status and list', async () => {
  const s = JSON.parse((await run(['initctl', 'status', '--json', 'bar'], engineWithJobs())).stdout);
  assert.deepEqual(s, [{ job: 'bar', instance: '', goal: 'stop', state: 'waiting', processes: [] }]);
  const l = JSON.parse((await run(['initctl', '--json', 'list'], engineWithJobs())).stdout);
  assert.equal(l.length, 4);
});

test('--help, help, COMMAND --help, --version', async () => {
  const h = await run(['initctl', '--help'], engineWithJobs());
  assert.match(h.stdout, /^Usage: initctl \[OPTION\]\.\.\. COMMAND \[OPTION\]\.\.\. \[ARG\]\.\.\.\n/);
  for (const c of ['start', 'show-config', 'check-config', 'list-sessions', 'install-aliases', 'events', 'why']) assert.match(h.stdout, new RegExp(`\\n  ${c} `));
  assert.equal((await run(['initctl', 'help'], engineWithJobs())).stdout, h.stdout);
  assert.match((await run(['initctl', 'show-config', '--help'], engineWithJobs())).stdout, /^Usage: initctl show-config \[OPTION\]\.\.\. \[CONF\]\n.*\n\nOptions:\n {2}-e, --enumerate\n/);
  assert.match((await run(['start', '--help'], engineWithJobs())).stdout, /^Usage: start \[OPTION\]\.\.\. JOB/);
  assert.equal((await run(['initctl', '--version'], engineWithJobs())).stdout, 'init (upstart-ts 0.1.0)\n');
});
