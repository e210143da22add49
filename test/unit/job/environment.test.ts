// Job environment precedence, import, tmpfiles, export, UPSTART_* variables, instances and exec argv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandFor } from '../../../src/job/command.ts';
import { envMerge } from '../../../src/events/envList.ts';
import { buildJobEnv, classDefaults, EnvTable, instanceName } from '../../../src/job/environment.ts';
import { Harness, jobClass } from './harness.ts';

const envOf = (h: Harness, job: string, process: 'main' | 'pre-start' | 'pre-stop' | 'post-stop' = 'main', i = -1): string[] =>
  h.spawnsOf(job, process).at(i)!.req.env;

test('precedence: PATH/TERM < set-env table < env stanzas < event/command < UPSTART_*', () => {
  const h = new Harness({ sessionEnv: ['UPSTART_SESSION=unix:path=/run/x.sock'], inheritedEnv: { FROM_INIT: 'yes' } });
  h.engine.jobEnv().set('TABLE', 'table');
  h.engine.jobEnv().set('A', 'table');
  h.add(jobClass('j', { start: 'go', exec: '/j', env: [{ key: 'A', value: 'stanza' }, { key: 'B', value: 'stanza' }, { key: 'FROM_INIT' }, { key: 'MISSING' }] }));
  h.emit('go', 'B=event', 'UPSTART_JOB=spoof');
  const env = envOf(h, 'j');
  for (const e of ['TERM=linux', 'TABLE=table', 'A=stanza', 'B=event', 'FROM_INIT=yes', 'UPSTART_JOB=j', 'UPSTART_INSTANCE=', 'UPSTART_EVENTS=go', 'UPSTART_SESSION=unix:path=/run/x.sock']) {
    assert.ok(env.includes(e), `${e} in ${env.join(' ')}`);
  }
  assert.ok(env.some((e) => e.startsWith('PATH=/usr/local/sbin:')));
  assert.ok(!env.some((e) => e.startsWith('MISSING')));
  assert.ok(!env.includes('UPSTART_JOB=spoof'));
});

test('a manual start has no UPSTART_EVENTS; a stop by event gives pre-stop/post-stop UPSTART_STOP_EVENTS and its env', () => {
  const h = new Harness().add(jobClass('j', { stop: 'halt-now', exec: '/j', preStop: '/ps', postStop: '/pst' }));
  void h.engine.start('j', ['K=v'], false);
  h.settle();
  assert.ok(!envOf(h, 'j').some((e) => e.startsWith('UPSTART_EVENTS')));
  assert.ok(envOf(h, 'j').includes('K=v'));
  h.emit('halt-now', 'WHY=test');
  assert.ok(envOf(h, 'j', 'pre-stop').includes('UPSTART_STOP_EVENTS=halt-now'));
  assert.ok(envOf(h, 'j', 'pre-stop').includes('WHY=test'));
  h.exit(h.pid('j', 'pre-stop'));
  h.signal(h.pid('j'), 'TERM');
  const ps = envOf(h, 'j', 'post-stop');
  for (const e of ['UPSTART_STOP_EVENTS=halt-now', 'WHY=test', 'RESULT=ok', 'PROCESS=main', 'EXIT_SIGNAL=TERM']) assert.ok(ps.includes(e), e);
});

test('Chromium OS import: only imported variables come from the event and the command', () => {
  const h = new Harness().add(
    jobClass('imp', { start: 'go', exec: '/i', imports: ['WANTED'], env: [{ key: 'DEFAULTED', value: 'd' }] }),
    jobClass('all', { start: 'go', exec: '/a' }),
  );
  h.emit('go', 'WANTED=1', 'OTHER=2', 'DEFAULTED=override');
  const imp = envOf(h, 'imp');
  assert.ok(imp.includes('WANTED=1') && imp.includes('DEFAULTED=d') && !imp.some((e) => e.startsWith('OTHER=')));
  assert.ok(imp.includes('UPSTART_EVENTS=go'));
  const all = envOf(h, 'all');
  assert.ok(all.includes('OTHER=2') && all.includes('WANTED=1'));
});

test('tmpfiles are applied through the port before pre-start; a failure fails the job in pre-start', async () => {
  let release: (() => void) | undefined;
  let reject: ((e: Error) => void) | undefined;
  const h = new Harness({}, () => new Promise<void>((res, rej) => { release = res; reject = (e) => rej(e); }));
  h.add(jobClass('t', { exec: '/t', pre: '/pre', tmpfiles: ['/usr/lib/tmpfiles.d/t.conf'] }));
  void h.engine.start('t', [], false);
  h.settle();
  assert.equal(h.state('t'), 'start/pre-start');
  assert.deepEqual(h.tmpfilesCalls[0]!.paths, ['/usr/lib/tmpfiles.d/t.conf']);
  assert.equal(h.spawnsOf('t', 'pre-start').length, 0);
  release!();
  await new Promise((r) => setImmediate(r));
  h.settle();
  assert.equal(h.spawnsOf('t', 'pre-start').length, 1);
  h.exit(h.pid('t', 'pre-start'));
  h.signal(h.pid('t'), 'TERM');
  assert.equal(h.state('t'), 'stop/waiting');
  const p = h.engine.start('t', [], true);
  h.settle();
  reject!(new Error('bad line 3'));
  await new Promise((r) => setImmediate(r));
  h.settle();
  await assert.rejects(p, { message: 'Job failed to start: tmpfiles: bad line 3' });
  assert.equal(h.jobEvents('t').at(-1), 'stopped RESULT=failed PROCESS=pre-start');
});

test('export puts the job variables into its four events', () => {
  const h = new Harness().add(jobClass('e', { exec: '/e', export: ['REASON'], task: true }));
  void h.engine.start('e', ['REASON=update'], false);
  h.settle();
  h.exit(h.pid('e'));
  assert.deepEqual(h.jobEvents('e'), ['starting REASON=update', 'started REASON=update', 'stopping RESULT=ok PROCESS=main EXIT_STATUS=0 REASON=update', 'stopped RESULT=ok PROCESS=main EXIT_STATUS=0 REASON=update']);
});

test('instances: one per expanded name, INSTANCE in events, stop by env', async () => {
  const h = new Harness().add(jobClass('httpd', { instance: '$CONFFILE', exec: '/sbin/httpd -c $CONFFILE' }));
  void h.engine.start('httpd', ['CONFFILE=/etc/a.conf'], false);
  void h.engine.start('httpd', ['CONFFILE=/etc/b.conf'], false);
  h.settle();
  await assert.rejects(async () => { const p = h.engine.start('httpd', ['CONFFILE=/etc/a.conf'], false); h.settle(); await p; }, { message: 'Job is already running: httpd (/etc/a.conf)' });
  assert.deepEqual(h.engine.status('httpd').map((s) => s.instance), ['/etc/a.conf', '/etc/b.conf']);
  assert.ok(h.eventLog((n) => n === 'started').includes('started JOB=httpd INSTANCE=/etc/b.conf'));
  void h.engine.stop('httpd', ['CONFFILE=/etc/a.conf'], false);
  h.settle();
  h.signal(h.pid('httpd', 'main', '/etc/a.conf'), 'TERM');
  assert.deepEqual(h.engine.status('httpd').map((s) => `${s.instance} ${s.state}`), ['/etc/b.conf running']);
  assert.deepEqual(h.engine.status('httpd', '/etc/b.conf').length, 1);
});

test('[default] started J with instances holds while any matching instance is started', () => {
  const h = new Harness().add(jobClass('tty', { instance: '$TTY', exec: '/getty' }), jobClass('w', { start: 'started tty', stop: 'stopped tty TTY=tty1', exec: '/w' }));
  void h.engine.start('tty', ['TTY=tty1'], false);
  h.settle();
  assert.equal(h.state('w'), 'start/running');
  void h.engine.start('tty', ['TTY=tty2'], false);
  h.settle();
  assert.equal(h.startedCount('w'), 1);
});

test('exec lines: plain split, shell metacharacters through /bin/sh -e -c, scripts through /bin/sh -e', () => {
  const cases: Array<[string, 'exec' | 'script', string[], string | undefined]> = [
    ['/usr/sbin/acpid -c /etc/acpi   -s sock', 'exec', ['/usr/sbin/acpid', '-c', '/etc/acpi', '-s', 'sock'], undefined],
    ['/usr/sbin/acpid -c $EVENTSDIR', 'exec', ['/bin/sh', '-e', '-c', 'exec /usr/sbin/acpid -c $EVENTSDIR'], undefined],
    ['foo "a b"', 'exec', ['/bin/sh', '-e', '-c', 'exec foo "a b"'], undefined],
    ['foo > /dev/null 2>&1', 'exec', ['/bin/sh', '-e', '-c', 'exec foo > /dev/null 2>&1'], undefined],
    ['dd bs=1 if=/proc/kmsg of=$KMSGSINK\nexec /sbin/klogd -P $KMSGSINK\n', 'script', ['/bin/sh', '-e'], 'dd bs=1 if=/proc/kmsg of=$KMSGSINK\nexec /sbin/klogd -P $KMSGSINK\n'],
  ];
  for (const [command, kind, argv, script] of cases) {
    const c = commandFor({ kind, command, line: 1 });
    assert.deepEqual(c.argv, argv, command);
    assert.equal(c.script, script);
  }
  const big = 'echo x\n'.repeat(200_000);
  assert.equal(commandFor({ kind: 'script', command: big, line: 1 }).script!.length, big.length);
});

test('classDefaults: the job env table, then env stanzas; a table changed in place is read again (its strings are cached)', () => {
  const spec = jobClass('j', { env: [{ key: 'A', value: '1' }, { key: 'B' }] });
  const ctx = { jobEnv: new EnvTable([['PATH', '/bin'], ['TERM', 'linux'], ['X', 'y']]), inherited: { B: 'from-init' }, session: [] };
  const first = classDefaults(spec, ctx);
  const second = classDefaults(spec, ctx);
  assert.deepEqual(first, ['PATH=/bin', 'TERM=linux', 'X=y', 'A=1', 'B=from-init']);
  // Each call has its own array: callers may change it.
  assert.notEqual(first, second);
  assert.deepEqual(second, first);
  ctx.jobEnv.set('X', 'z');
  assert.deepEqual(classDefaults(spec, ctx), ['PATH=/bin', 'TERM=linux', 'X=z', 'A=1', 'B=from-init']);
  ctx.jobEnv.delete('TERM');
  ctx.jobEnv.set('Q', 'r');
  assert.deepEqual(classDefaults(spec, ctx), ['PATH=/bin', 'X=z', 'Q=r', 'A=1', 'B=from-init']);
  ctx.jobEnv.delete('Q');
  assert.deepEqual(classDefaults(spec, ctx), ['PATH=/bin', 'X=z', 'A=1', 'B=from-init']);
});

test('an EnvTable counts its changes: set, delete and clear each make the next start read the table again', () => {
  const spec = jobClass('j', { env: [{ key: 'A', value: '1' }] });
  const ctx = { jobEnv: new EnvTable([['PATH', '/bin'], ['X', 'y']]), inherited: {}, session: ['UPSTART_SESSION=s'] };
  assert.equal(ctx.jobEnv.version, 0);
  const env = (): string[] => buildJobEnv(spec, ctx, ['X=from-event', 'NEW=1', 'NEW=2'], 'i');
  assert.deepEqual(env(), ['PATH=/bin', 'X=from-event', 'A=1', 'NEW=2', 'UPSTART_JOB=j', 'UPSTART_INSTANCE=i', 'UPSTART_SESSION=s']);
  ctx.jobEnv.set('Y', 'z');
  assert.deepEqual(env().slice(0, 4), ['PATH=/bin', 'X=from-event', 'Y=z', 'A=1']);
  ctx.jobEnv.delete('Y');
  assert.deepEqual(env().slice(0, 3), ['PATH=/bin', 'X=from-event', 'A=1']);
  ctx.jobEnv.clear();
  assert.deepEqual(env(), ['A=1', 'X=from-event', 'NEW=2', 'UPSTART_JOB=j', 'UPSTART_INSTANCE=i', 'UPSTART_SESSION=s']);
  assert.equal(ctx.jobEnv.version, 3);
});

test('buildJobEnv and instanceName merge by the table\'s index exactly as envMerge does (last entry of a key wins, new keys append)', () => {
  const spec = jobClass('j', { env: [{ key: 'A', value: '1' }, { key: 'B' }, { key: 'A', value: '2' }], instance: '$A-$K' });
  const table = Array.from({ length: 80 }, (_, i) => [`T${i}`, `v${i}`] as [string, string]);
  const ctx = { jobEnv: new EnvTable([...table, ['PATH', '/bin']]), inherited: { B: 'init' }, session: ['UPSTART_SESSION=s', 'T3=session'] };
  const startEnv = ['T5=ev', 'K=k1', 'NOEQ', 'K=k2', 'A=3', 'EMPTY='];
  const want = envMerge(classDefaults(spec, ctx), startEnv, ['UPSTART_JOB=j', 'UPSTART_INSTANCE=x'], ctx.session);
  assert.deepEqual(buildJobEnv(spec, ctx, startEnv, 'x'), want);
  assert.deepEqual(instanceName(spec, ctx, startEnv), { name: '3-k2' });
  // The cached table list is never handed out: a caller changing its list changes nothing for the next.
  classDefaults(spec, ctx).push('JUNK=1');
  buildJobEnv(spec, ctx, startEnv, 'x').push('JUNK=2');
  assert.deepEqual(buildJobEnv(spec, ctx, startEnv, 'x'), want);
});
