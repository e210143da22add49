// Blocking: starting/stopping events hold their job until the jobs they moved settle, several jobs deep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, jobClass } from './harness.ts';

test('a chain four jobs deep: each starting event waits for the job that starts on it', () => {
  const h = new Harness().add(
    jobClass('d', { exec: '/d' }),
    jobClass('c', { start: 'starting d', exec: '/c', post: '/bin/wait-ready' }),
    jobClass('b', { start: 'starting c', task: true, exec: '/b' }),
    jobClass('a', { start: 'starting b', exec: '/a', pre: '/bin/prep' }),
  );
  void h.engine.start('d', [], false);
  h.settle();
  // d waits on c, c waits on b, b waits on a, a is in pre-start.
  assert.deepEqual(['a', 'b', 'c', 'd'].map((j) => h.state(j)), ['start/pre-start', 'start/starting', 'start/starting', 'start/starting']);
  h.exit(h.pid('a', 'pre-start'));
  assert.deepEqual(['a', 'b', 'c', 'd'].map((j) => h.state(j)), ['start/running', 'start/running', 'start/starting', 'start/starting']);
  h.exit(h.pid('b'));
  assert.deepEqual(['b', 'c', 'd'].map((j) => h.state(j)), ['stop/waiting', 'start/post-start', 'start/starting']);
  h.exit(h.pid('c', 'post-start'));
  assert.deepEqual(['c', 'd'].map((j) => h.state(j)), ['start/running', 'start/running']);
  const order = h.eventLog((n) => n === 'started').map((l) => l.split(' ')[1]);
  assert.deepEqual(order, ['JOB=a', 'JOB=b', 'JOB=c', 'JOB=d']);
});

test('stopping events wait for the jobs they stop (start on started / stop on stopping)', () => {
  const h = new Harness().add(
    jobClass('db', { exec: '/db' }),
    jobClass('app', { start: 'started db', stop: 'stopping db', exec: '/app', postStop: '/bin/cleanup' }),
  );
  void h.engine.start('db', [], false);
  h.settle();
  assert.equal(h.state('app'), 'start/running');
  void h.engine.stop('db', [], false);
  h.settle();
  assert.equal(h.state('db'), 'stop/stopping', 'db waits for app');
  h.signal(h.pid('app'), 'TERM');
  assert.equal(h.state('db'), 'stop/stopping', 'app still in post-stop');
  h.exit(h.pid('app', 'post-stop'));
  assert.equal(h.state('db'), 'stop/killed');
});

test('emit --wait learns when the jobs it moved settled, and that one failed', async () => {
  const h = new Harness().add(
    jobClass('ok', { start: 'go', task: true, exec: '/ok' }),
    jobClass('bad', { start: 'go', task: true, exec: '/bad' }),
  );
  let settled = '';
  const p = h.engine.emit('go', ['X=1'], true).then(() => { settled = 'ok'; }, (e: Error) => { settled = e.message; });
  h.settle();
  h.exit(h.pid('ok'));
  await Promise.resolve();
  assert.equal(settled, '');
  h.exit(h.pid('bad'), 1);
  await p;
  assert.equal(settled, 'Event failed: go');
  const ok = h.engine.emit('nobody-listens', [], true);
  h.settle();
  await ok;
});

test('a starting event blocked by a failing task still lets its job continue', () => {
  const h = new Harness().add(jobClass('svc', { exec: '/svc' }), jobClass('check', { start: 'starting svc', task: true, exec: '/check' }));
  void h.engine.start('svc', [], false);
  h.settle();
  h.exit(h.pid('check'), 1);
  assert.equal(h.state('svc'), 'start/running');
});

test('[legacy] a partly true condition holds its event, as 1.13 does; default mode does not', async () => {
  for (const legacy of [true, false]) {
    const h = new Harness({ legacyConditions: legacy }).add(jobClass('j', { start: 'A and B', task: true, exec: '/j' }));
    let done = false;
    const p = h.engine.emit('A', [], true).then(() => { done = true; });
    h.settle();
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(done, !legacy);
    h.emit('B');
    h.exit(h.pid('j'));
    await p;
    assert.equal(done, true);
  }
});

test('stopAll stops every instance and resolves when none is left', async () => {
  const h = new Harness().add(jobClass('a', { exec: '/a' }), jobClass('b', { exec: '/b', killTimeout: 1 }));
  void h.engine.start('a', [], false);
  void h.engine.start('b', [], false);
  h.settle();
  let done = false;
  const p = h.engine.stopAll().then(() => { done = true; });
  h.settle();
  h.signal(h.pid('a'), 'TERM');
  await Promise.resolve();
  assert.equal(done, false);
  h.clock.advance(1000);
  assert.deepEqual(h.port.kills.at(-1)?.signal, 'KILL');
  h.signal(h.pid('b'), 'KILL');
  await p;
  assert.equal(done, true);
});
