// emit --dry-run's simulation: a copy of the engine predicts what an event starts and stops, and the live engine is untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateEmit } from '../../../src/job/dryRun.ts';
import { Harness, jobClass } from './harness.ts';

function chain(): Harness {
  const h = new Harness();
  h.add(
    jobClass('a', { start: 'e', exec: 'sleep 1' }),
    jobClass('b', { start: 'started a', exec: 'sleep 1' }),
    jobClass('c', { stop: 'started b', exec: 'sleep 1' }),
    jobClass('d', { start: 'e', instance: '$N', exec: 'sleep 1' }),
    jobClass('t', { start: 'started b', task: true, exec: 'true' }),
    jobClass('f', { start: 'other', exec: 'sleep 1' }),
  );
  void h.engine.start('c', [], false);
  h.settle();
  return h;
}

const brief = (r: ReturnType<typeof simulateEmit>) => r.changes.map((c) => `${c.change} ${c.job}${c.instance ? ` (${c.instance})` : ''} ${c.before ?? '-'} -> ${c.after}`);

test('a chain: e starts a and d (1), started a starts b, started b stops c and starts the task t', () => {
  const h = chain();
  const r = simulateEmit(h.engine.snapshot(), {}, 'e', ['N=1']);
  assert.deepEqual(brief(r), [
    'start a - -> start/running',
    'start d (1) - -> start/running',
    'start b - -> start/running',
    'start t - -> start/running',
    'stop c start/running -> stop/waiting',
  ]);
  assert.deepEqual(r.changes.find((c) => c.job === 't')?.unknown, ['a task: what its end starts or stops depends on its exit status']);
  assert.equal(r.complete, false);
  assert.deepEqual(r.events[0], { name: 'e', env: ['N=1'] });
  assert.ok(r.events.some((e) => e.name === 'stopped' && e.env[0] === 'JOB=c'));
  // The stop of c is taken to go as its kill signal says.
  assert.ok(r.events.some((e) => e.name === 'stopped' && e.env.includes('EXIT_SIGNAL=TERM')));
});

test('the live engine is untouched: same snapshot, no journal entry, no process', () => {
  const h = chain();
  const before = JSON.stringify({ ...h.engine.snapshot(), takenAt: 0 });
  const journal = h.journal.length;
  const spawns = h.port.spawns.length;
  simulateEmit(h.engine.snapshot(), {}, 'e', ['N=1']);
  h.settle();
  assert.equal(JSON.stringify({ ...h.engine.snapshot(), takenAt: 0 }), before);
  assert.equal(h.journal.length, journal);
  assert.equal(h.port.spawns.length, spawns);
  assert.equal(h.port.kills.length, 0);
});

test('the prediction is what the engine then does (processes ending as the simulation assumed)', () => {
  const h = chain();
  const r = simulateEmit(h.engine.snapshot(), {}, 'e', ['N=1']);
  h.emit('e', 'N=1');
  // c was sent its kill signal; it dies of it, as assumed.
  h.signal(h.pid('c'), 'TERM');
  for (const c of r.changes) assert.equal(h.state(c.job, c.instance), c.after, `${c.job} (${c.instance})`);
  assert.equal(h.state('f'), 'stop/waiting');
});

test('restart, start-stop, an assumed pre-start and a readiness assumed', () => {
  const h = new Harness();
  h.add(
    jobClass('r', { stop: 'e', exec: 'sleep 1' }),
    jobClass('r2', { start: 'stopped r', exec: 'sleep 1', pre: 'true' }),
    jobClass('x', { start: 'e', stop: 'started y', exec: 'sleep 1' }),
    jobClass('y', { start: 'started x', exec: 'sleep 1', expect: { kind: 'fork' } }),
    jobClass('again', { start: 'stopped r', stop: 'e', exec: 'sleep 1' }),
  );
  void h.engine.start('r', [], false);
  void h.engine.start('again', [], false);
  h.settle();
  const r = simulateEmit(h.engine.snapshot(), {}, 'e', []);
  const by = (job: string) => r.changes.find((c) => c.job === job);
  assert.equal(by('r')?.change, 'stop');
  assert.equal(by('again')?.change, 'restart');
  assert.equal(by('x')?.change, 'start-stop');
  assert.deepEqual(by('y')?.assumed, ['its main process becomes ready (expect fork)']);
  assert.deepEqual(by('r2')?.assumed, ['its pre-start process exits 0']);
  assert.equal(r.complete, true);
});

test('an event that moves nothing: no changes, complete', () => {
  const h = chain();
  const r = simulateEmit(h.engine.snapshot(), {}, 'nothing-listens', []);
  assert.deepEqual(r.changes, []);
  assert.equal(r.complete, true);
  assert.deepEqual(r.events, [{ name: 'nothing-listens', env: [] }]);
});
