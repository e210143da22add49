// expect exit N (DESIGN §3.5) and expect CONDITION (DESIGN §3.6): when a job leaves spawned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cond, Harness, jobClass } from './harness.ts';

test('expect exit 1: ready when the first main process exits 0; the job then runs with no tracked main', async () => {
  const h = new Harness().add(jobClass('d', { exec: '/usr/sbin/d --daemonize', post: '/bin/post', expect: { kind: 'exit', count: 1 } }));
  const started = h.engine.start('d', [], true);
  h.settle();
  assert.equal(h.state('d'), 'start/spawned');
  assert.equal(h.spawnsOf('d', 'post-start').length, 0, 'post-start waits for readiness');
  h.exit(h.pid('d'), 0);
  assert.equal(h.state('d'), 'start/post-start');
  h.exit(h.pid('d', 'post-start'));
  assert.equal((await started).state, 'running');
  assert.deepEqual(h.engine.status('d')[0]!.processes, []);
  assert.deepEqual(h.jobEvents('d'), ['starting', 'started']);
  // Nothing the engine knows is left to signal: a stop goes straight through killed.
  void h.engine.stop('d', [], false);
  h.settle();
  assert.equal(h.state('d'), 'stop/waiting');
  assert.equal(h.port.kills.length, 0);
  assert.deepEqual(h.jobEvents('d').slice(2), ['stopping RESULT=ok', 'stopped RESULT=ok']);
});

test('expect exit N: a failing exit before readiness fails the start with that exit', async () => {
  const table: Array<[string, (h: Harness, pid: number) => void, string]> = [
    ['status 3', (h, pid) => h.exit(pid, 3), 'stopped RESULT=failed PROCESS=main EXIT_STATUS=3'],
    ['SEGV', (h, pid) => h.signal(pid, 'SEGV'), 'stopped RESULT=failed PROCESS=main EXIT_SIGNAL=SEGV'],
  ];
  for (const [name, end, last] of table) {
    const h = new Harness().add(jobClass('d', { exec: '/d', expect: { kind: 'exit', count: 1 } }));
    const p = h.engine.start('d', [], true);
    h.settle();
    end(h, h.pid('d'));
    await assert.rejects(p, { code: 'failed' }, name);
    assert.equal(h.jobEvents('d').at(-1), last, name);
    assert.equal(h.state('d'), 'stop/waiting', name);
  }
});

test('expect exit 2: with only the spawned pid known, one exit is not enough; a stop still works', () => {
  const h = new Harness().add(jobClass('d', { exec: '/d', expect: { kind: 'exit', count: 2 } }));
  void h.engine.start('d', [], false);
  h.settle();
  h.exit(h.pid('d'), 0);
  assert.equal(h.state('d'), 'start/spawned');
  void h.engine.stop('d', [], false);
  h.settle();
  assert.equal(h.state('d'), 'stop/waiting');
  assert.equal(h.startedCount('d'), 0);
});

test('expect exit 2 with cgroup tracking: processes the port adopts count; what is left at readiness is main', () => {
  const h = new Harness().add(jobClass('d', { exec: '/d', expect: { kind: 'exit', count: 2 } }), jobClass('plain', { exec: '/p' }));
  void h.engine.start('d', [], false);
  void h.engine.start('plain', [], false);
  h.settle();
  const events = h.port.events!;
  // What the port reports from the job's cgroup: the child the first process left, then the grandchild.
  assert.equal(events.adopted({ job: 'd', instance: '', pid: 5001 }), true);
  h.exit(h.pid('d'), 0);
  assert.equal(h.state('d'), 'start/spawned');
  assert.equal(events.adopted({ job: 'd', instance: '', pid: 5002 }), true);
  h.exit(5001, 0);
  assert.equal(h.state('d'), 'start/running');
  assert.deepEqual(h.engine.status('d')[0]!.processes, [{ process: 'main', pid: 5002 }]);
  // Only while a job waits for expect exit; never for a job that is not, or an unknown one.
  assert.equal(events.adopted({ job: 'd', instance: '', pid: 5003 }), false);
  assert.equal(events.adopted({ job: 'plain', instance: '', pid: 5004 }), false);
  assert.equal(events.adopted({ job: 'nope', instance: '', pid: 5005 }), false);
  void h.engine.stop('d', [], false);
  h.settle();
  assert.deepEqual(h.port.kills.at(-1), { pid: 5002, signal: 'TERM', group: true });
  h.signal(5002, 'TERM');
  assert.equal(h.state('d'), 'stop/waiting');
});

test('expect exit: a task is done once ready and nothing is left to wait for', () => {
  const h = new Harness().add(jobClass('t', { task: true, exec: '/t', expect: { kind: 'exit', count: 1 } }));
  void h.engine.start('t', [], false);
  h.settle();
  h.exit(h.pid('t'), 0);
  assert.equal(h.state('t'), 'stop/waiting');
  assert.deepEqual(h.jobEvents('t'), ['starting', 'started', 'stopping RESULT=ok', 'stopped RESULT=ok']);
});

test('expect CONDITION: spawned until the condition holds; events before the spawn do not count', async () => {
  const h = new Harness().add(jobClass('db', { exec: '/db', pre: '/pre', expect: { kind: 'event', condition: cond('db-ready PORT=$PORT') }, env: [{ key: 'PORT', value: '5432' }] }));
  const started = h.engine.start('db', [], true);
  h.settle();
  h.emit('db-ready', 'PORT=5432'); // still in pre-start: the condition is not armed yet
  h.exit(h.pid('db', 'pre-start'));
  assert.equal(h.state('db'), 'start/spawned');
  h.emit('db-ready', 'PORT=1'); // $PORT expanded from the job's environment: no match
  assert.equal(h.state('db'), 'start/spawned');
  let done = false;
  const ready = h.engine.emit('db-ready', ['PORT=5432'], true).then(() => { done = true; });
  h.settle();
  assert.equal(h.state('db'), 'start/running');
  assert.equal((await started).state, 'running');
  await ready;
  assert.equal(done, true, 'the readiness event is not held by the job');
  // A second readiness event changes nothing.
  h.emit('db-ready', 'PORT=5432');
  assert.equal(h.startedCount('db'), 1);
});

test('expect CONDITION: a level that already holds when main is spawned makes the job ready at once', () => {
  const h = new Harness().add(jobClass('dbus', { exec: '/dbus' }), jobClass('app', { exec: '/app', expect: { kind: 'event', condition: cond('started dbus') } }));
  void h.engine.start('dbus', [], false);
  h.settle();
  void h.engine.start('app', [], false);
  h.settle();
  assert.equal(h.state('app'), 'start/running');
});

test('expect CONDITION: and/or trees; main dying or a stop while waiting disarms the condition', () => {
  const h = new Harness().add(jobClass('s', { exec: '/s', expect: { kind: 'event', condition: cond('a and (b or c)') } }));
  void h.engine.start('s', [], false);
  h.settle();
  h.emit('a');
  assert.equal(h.state('s'), 'start/spawned');
  h.emit('c');
  assert.equal(h.state('s'), 'start/running');

  void h.engine.stop('s', [], false);
  h.settle();
  h.signal(h.pid('s'), 'TERM');
  void h.engine.start('s', [], false);
  h.settle();
  h.emit('a');
  h.signal(h.pid('s'), 'SEGV');
  assert.equal(h.state('s'), 'stop/waiting');
  assert.equal(h.jobEvents('s').at(-1), 'stopped RESULT=failed PROCESS=main EXIT_SIGNAL=SEGV');
  h.emit('b'); // the old readiness condition is gone: nothing happens
  assert.equal(h.state('s'), 'stop/waiting');

  void h.engine.start('s', [], false);
  h.settle();
  assert.equal(h.state('s'), 'start/spawned', 'a fresh condition: the earlier a is forgotten');
  void h.engine.stop('s', [], false);
  h.settle();
  assert.equal(h.state('s'), 'stop/killed');
  h.signal(h.pid('s'), 'TERM');
  h.emit('a');
  h.emit('b');
  assert.equal(h.state('s'), 'stop/waiting');
});

test('[legacy] expect CONDITION: leaves hold their events until the condition fires, as in 1.13', async () => {
  const h = new Harness({ legacyConditions: true }).add(jobClass('s', { exec: '/s', expect: { kind: 'event', condition: cond('a and b') } }));
  void h.engine.start('s', [], false);
  h.settle();
  let done = false;
  const p = h.engine.emit('a', [], true).then(() => { done = true; });
  h.settle();
  await Promise.resolve();
  assert.equal(done, false);
  h.emit('b');
  await p;
  assert.equal(h.state('s'), 'start/running');
});
