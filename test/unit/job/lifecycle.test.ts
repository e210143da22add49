// A job's life through the engine: services, tasks, no main process, failures, cancels, restart, class changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../../src/model/engineApi.ts';
import { Harness, jobClass } from './harness.ts';

test('a service walks every state, emitting its four events with RESULT/PROCESS/EXIT_*', async () => {
  const h = new Harness().add(jobClass('svc', { exec: '/usr/bin/svc', pre: '/bin/pre', post: '/bin/post', preStop: '/bin/prestop', postStop: '/bin/poststop' }));
  const started = h.engine.start('svc', [], true);
  h.settle();
  assert.equal(h.state('svc'), 'start/pre-start');
  h.exit(h.pid('svc', 'pre-start'));
  assert.equal(h.state('svc'), 'start/post-start');
  assert.deepEqual(h.engine.status('svc')[0]!.processes.map((p) => p.process), ['main', 'post-start']);
  h.exit(h.pid('svc', 'post-start'));
  assert.equal(h.state('svc'), 'start/running');
  assert.equal((await started).state, 'running');

  const stopped = h.engine.stop('svc', [], true);
  h.settle();
  assert.equal(h.state('svc'), 'stop/pre-stop');
  h.exit(h.pid('svc', 'pre-stop'));
  assert.equal(h.state('svc'), 'stop/killed');
  assert.deepEqual(h.port.kills.at(-1), { pid: h.pid('svc'), signal: 'TERM', group: true });
  h.signal(h.pid('svc'), 'TERM');
  assert.equal(h.state('svc'), 'stop/post-stop');
  const postStopEnv = h.spawnsOf('svc', 'post-stop')[0]!.req.env;
  assert.ok(postStopEnv.includes('RESULT=ok') && postStopEnv.includes('PROCESS=main') && postStopEnv.includes('EXIT_SIGNAL=TERM'));
  h.exit(h.pid('svc', 'post-stop'));
  assert.equal(h.state('svc'), 'stop/waiting');
  assert.deepEqual(await stopped, { job: 'svc', instance: '', goal: 'stop', state: 'waiting', processes: [] });
  assert.deepEqual(h.states('svc'), [
    'start/waiting', 'start/starting', 'start/security', 'start/pre-start', 'start/spawned', 'start/post-start', 'start/running',
    'stop/running', 'stop/pre-stop', 'stop/stopping', 'stop/killed', 'stop/post-stop', 'stop/waiting',
  ]);
  assert.deepEqual(h.jobEvents('svc'), ['starting', 'started', 'stopping RESULT=ok PROCESS=main', 'stopped RESULT=ok PROCESS=main EXIT_SIGNAL=TERM']);
  assert.deepEqual(h.engine.status('svc'), []);
});

test('a task blocks start until it has finished; its stop carries EXIT_STATUS=0', async () => {
  const h = new Harness().add(jobClass('t', { task: true, exec: '/bin/true' }));
  let done = false;
  const p = h.engine.start('t', [], true).then((s) => { done = true; return s; });
  h.settle();
  await Promise.resolve();
  assert.equal(done, false);
  assert.equal(h.state('t'), 'start/running');
  h.exit(h.pid('t'), 0);
  const s = await p;
  assert.equal(s.state, 'waiting');
  assert.deepEqual(h.jobEvents('t'), ['starting', 'started', 'stopping RESULT=ok PROCESS=main EXIT_STATUS=0', 'stopped RESULT=ok PROCESS=main EXIT_STATUS=0']);
});

test('a job without a main process stays running until stopped (pre-start / post-stop only)', async () => {
  const h = new Harness().add(jobClass('net', { pre: 'ifup -a', postStop: 'ifdown -a' }));
  void h.engine.start('net', [], false);
  h.settle();
  h.exit(h.pid('net', 'pre-start'));
  assert.equal(h.state('net'), 'start/running');
  h.clock.advance(60_000);
  assert.equal(h.state('net'), 'start/running');
  void h.engine.stop('net', [], false);
  h.settle();
  assert.equal(h.state('net'), 'stop/post-stop');
  assert.deepEqual(h.spawnsOf('net', 'post-stop')[0]!.req.argv, ['ifdown', '-a']);
  h.exit(h.pid('net', 'post-stop'));
  assert.equal(h.state('net'), 'stop/waiting');
});

test('pre-start failure stops the job with RESULT=failed PROCESS=pre-start EXIT_STATUS and fails the start command', async () => {
  const h = new Harness().add(jobClass('f', { exec: '/bin/f', pre: '/bin/check' }));
  const p = h.engine.start('f', [], true);
  h.settle();
  h.exit(h.pid('f', 'pre-start'), 3);
  await assert.rejects(p, (e: EngineError) => e.code === 'failed' && e.message === 'Job failed to start: pre-start process terminated with status 3');
  assert.deepEqual(h.jobEvents('f'), ['starting', 'stopping RESULT=failed PROCESS=pre-start EXIT_STATUS=3', 'stopped RESULT=failed PROCESS=pre-start EXIT_STATUS=3']);
  assert.equal(h.spawnsOf('f').length, 0);
});

test('a main process that cannot be spawned says which process, stage and error', async () => {
  const h = new Harness().add(jobClass('foo', { exec: '/usr/sbin/foo' }));
  h.port.failures.set('/usr/sbin/foo', { stage: 'exec', errno: 2, code: 'ENOENT', message: '/usr/sbin/foo: No such file or directory' });
  const p = h.engine.start('foo', [], true);
  h.settle();
  await assert.rejects(p, { code: 'failed', message: 'Job failed to start: main process: /usr/sbin/foo: No such file or directory' });
  const why = 'SPAWN_ERROR=main process: /usr/sbin/foo: No such file or directory';
  assert.deepEqual(h.jobEvents('foo'), ['starting', `stopping RESULT=failed PROCESS=main ${why}`, `stopped RESULT=failed PROCESS=main ${why}`]);
  h.port.failures.set('foo:main', { stage: 'chdir', errno: 2, code: 'ENOENT', message: '/nowhere: No such file or directory' });
  await assert.rejects(async () => { const q = h.engine.start('foo', [], true); h.settle(); await q; }, { message: 'Job failed to start: main process: chdir: /nowhere: No such file or directory' });
});

test('a stop while in pre-start cancels the start; a start while in pre-stop cancels the stop', async () => {
  const h = new Harness().add(jobClass('j', { exec: '/bin/j', pre: '/bin/pre', preStop: '/bin/prestop' }));
  void h.engine.start('j', [], false);
  h.settle();
  void h.engine.stop('j', [], false);
  h.settle();
  assert.equal(h.state('j'), 'stop/pre-start');
  h.exit(h.pid('j', 'pre-start'));
  assert.equal(h.state('j'), 'stop/waiting');
  assert.equal(h.spawnsOf('j').length, 0, 'main never ran');

  void h.engine.start('j', [], false);
  h.settle();
  h.exit(h.pid('j', 'pre-start'));
  assert.equal(h.state('j'), 'start/running');
  void h.engine.stop('j', [], false);
  h.settle();
  assert.equal(h.state('j'), 'stop/pre-stop');
  void h.engine.start('j', [], false);
  h.settle();
  assert.equal(h.state('j'), 'start/pre-stop');
  h.exit(h.pid('j', 'pre-stop'));
  assert.equal(h.state('j'), 'start/running');
  assert.equal(h.port.kills.length, 0);
  assert.equal(h.startedCount('j'), 1, 'no second started event');
});

test('errors carry codes and Upstart texts', async () => {
  const h = new Harness().add(jobClass('svc', { exec: '/bin/svc' }), jobClass('tty', { exec: '/sbin/getty $TTY', instance: '$TTY' }));
  const code = async (p: Promise<unknown>): Promise<string> => {
    h.settle();
    try { await p; return 'ok'; } catch (e) { return `${(e as EngineError).code}: ${(e as Error).message}`; }
  };
  assert.equal(await code(h.engine.start('nope', [], false)), 'unknown-job: Unknown job: nope');
  assert.equal(await code(h.engine.stop('svc', [], false)), 'already-stopped: Job has already been stopped: svc');
  assert.equal(await code(h.engine.start('svc', [], false)), 'ok');
  assert.equal(await code(h.engine.start('svc', [], false)), 'already-running: Job is already running: svc');
  assert.equal(await code(h.engine.stop('tty', ['TTY=tty9'], false)), 'unknown-instance: Unknown instance: tty (tty9)');
  assert.equal(await code(h.engine.start('tty', [], false)), 'invalid: Unknown parameter: TTY');
  assert.equal(await code(h.engine.start('svc', ['not an entry'], false)), 'invalid: Invalid environment entry: not an entry');
  assert.throws(() => h.engine.status('nope'), { code: 'unknown-job' });
});

test('restart keeps the original environment and class version; a replaced class applies to new instances only', async () => {
  const h = new Harness().add(jobClass('svc', { exec: '/bin/old', env: [{ key: 'V', value: '1' }] }));
  void h.engine.start('svc', ['X=from-start'], false);
  h.settle();
  h.add(jobClass('svc', { exec: '/bin/new', env: [{ key: 'V', value: '2' }] }));
  const r = h.engine.restart('svc', [], true);
  h.settle();
  h.signal(h.pid('svc'), 'TERM');
  const s = await r;
  assert.equal(s.state, 'running');
  const [first, second] = h.spawnsOf('svc');
  assert.deepEqual([first!.req.argv, second!.req.argv], [['/bin/old'], ['/bin/old']]);
  assert.ok(second!.req.env.includes('X=from-start') && second!.req.env.includes('V=1'));
  void h.engine.stop('svc', [], false);
  h.settle();
  h.signal(h.pid('svc'), 'TERM');
  void h.engine.start('svc', [], false);
  h.settle();
  assert.deepEqual(h.spawnsOf('svc')[2]!.req.argv, ['/bin/new']);
  assert.ok(h.spawnsOf('svc')[2]!.req.env.includes('V=2'));
});

test('a deleted class keeps its running instance until it stops, then is gone', async () => {
  const h = new Harness().add(jobClass('svc', { exec: '/bin/svc' }));
  void h.engine.start('svc', [], false);
  h.settle();
  h.engine.removeClass('svc');
  assert.equal(h.engine.getClass('svc'), undefined);
  assert.equal(h.state('svc'), 'start/running');
  await assert.rejects(async () => { const p = h.engine.start('svc', [], false); h.settle(); await p; }, { code: 'unknown-job' });
  void h.engine.stop('svc', [], false);
  h.settle();
  h.signal(h.pid('svc'), 'TERM');
  assert.throws(() => h.engine.status('svc'), { code: 'unknown-job' });
});

test('reload sends the reload signal to the main process', () => {
  const h = new Harness().add(jobClass('svc', { exec: '/bin/svc', reloadSignal: 'USR1' }));
  void h.engine.start('svc', [], false);
  h.settle();
  h.engine.reload('svc', []);
  assert.deepEqual(h.port.kills.at(-1), { pid: h.pid('svc'), signal: 'USR1', group: false });
  assert.throws(() => h.engine.reload('nope', []), { code: 'unknown-job' });
});
