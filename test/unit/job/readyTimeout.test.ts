// Every readiness wait ends: `ready timeout N` (default 90 s) fails a job still in spawned, with the reason the start command and status give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_READY_TIMEOUT, type Expect } from '../../../src/model/jobClass.ts';
import { cond, Harness, jobClass } from './harness.ts';

const waits: [string, Expect][] = [
  ['fork', { kind: 'fork' }],
  ['daemon', { kind: 'daemon' }],
  ['stop', { kind: 'stop' }],
  ['exit 2', { kind: 'exit', count: 2 }],
  ['CONDITION', { kind: 'event', condition: cond('never-happens') }],
];

for (const [name, expect] of waits) {
  test(`expect ${name}: a wait that never ends fails after the default ${DEFAULT_READY_TIMEOUT} s`, async () => {
    const h = new Harness().add(jobClass('d', { exec: '/d', expect }));
    const started = h.engine.start('d', [], true);
    h.settle();
    assert.equal(h.state('d'), 'start/spawned');
    h.clock.advance(DEFAULT_READY_TIMEOUT * 1000 - 1);
    h.settle();
    assert.equal(h.state('d'), 'start/spawned', 'not yet');
    h.clock.advance(1);
    h.settle();
    assert.equal(h.state('d'), 'stop/killed');
    h.signal(h.pid('d'), 'TERM');
    assert.equal(h.state('d'), 'stop/waiting');
    const reason = `main process: not ready after ${DEFAULT_READY_TIMEOUT} s (expect ${name}; see 'ready timeout')`;
    await assert.rejects(started, { code: 'failed', message: `Job failed to start: ${reason}` });
    assert.equal(h.engine.lastFailure('d'), reason);
    assert.deepEqual(h.jobEvents('d'), ['starting', 'stopping RESULT=failed PROCESS=main', 'stopped RESULT=failed PROCESS=main EXIT_SIGNAL=TERM']);
    assert.ok(h.logs.some((l) => l.includes(`d ${reason}`)), 'the daemon log says it');
  });
}

test('ready timeout N sets the limit; a job ready in time keeps running past it', () => {
  const h = new Harness().add(
    jobClass('slow', { exec: '/slow', expect: { kind: 'fork' }, readyTimeout: 5 }),
    jobClass('quick', { exec: '/quick', expect: { kind: 'event', condition: cond('up') }, readyTimeout: 5 }),
  );
  void h.engine.start('slow', [], false);
  void h.engine.start('quick', [], false);
  h.settle();
  h.clock.advance(4000);
  h.emit('up');
  assert.equal(h.state('quick'), 'start/running');
  h.clock.advance(1000);
  h.settle();
  assert.equal(h.state('slow'), 'stop/killed');
  h.clock.advance(60_000);
  h.settle();
  assert.equal(h.state('quick'), 'start/running', 'its timer went when it became ready');
});

test('other failures leave no status line: status stays Upstart\'s', () => {
  const h = new Harness().add(jobClass('f', { exec: '/f' }));
  void h.engine.start('f', [], false);
  h.settle();
  h.exit(h.pid('f'), 3);
  assert.equal(h.state('f'), 'stop/waiting');
  assert.equal(h.engine.lastFailure('f'), undefined);
});

test('ready timeout 0: no limit', () => {
  const h = new Harness().add(jobClass('d', { exec: '/d', expect: { kind: 'fork' }, readyTimeout: 0 }));
  void h.engine.start('d', [], false);
  h.settle();
  h.clock.advance(3600_000);
  h.settle();
  assert.equal(h.state('d'), 'start/spawned');
});

test('a stop while waiting, or main dying, ends the wait; a new start clears the last failure', () => {
  const h = new Harness().add(jobClass('d', { exec: '/d', expect: { kind: 'fork' }, readyTimeout: 2, respawn: true }));
  void h.engine.start('d', [], false);
  h.settle();
  h.clock.advance(2000);
  h.settle();
  h.signal(h.pid('d'), 'TERM');
  assert.equal(h.state('d'), 'stop/waiting', 'a timed-out job is not respawned');
  assert.match(h.engine.lastFailure('d') ?? '', /not ready after 2 s/);
  void h.engine.start('d', [], false);
  h.settle();
  assert.equal(h.engine.lastFailure('d'), undefined);
  void h.engine.stop('d', [], false);
  h.settle();
  h.signal(h.pid('d'), 'TERM');
  h.clock.advance(10_000);
  h.settle();
  assert.equal(h.state('d'), 'stop/waiting');
  assert.equal(h.engine.lastFailure('d'), undefined, 'stopped by request while waiting: no failure');
});

test('the readiness deadline survives a snapshot and restore (re-exec)', () => {
  const h = new Harness().add(jobClass('d', { exec: '/d', expect: { kind: 'fork' }, readyTimeout: 10 }));
  void h.engine.start('d', [], false);
  h.settle();
  h.clock.advance(6000);
  const r = h.restored();
  r.clock.advance(3999);
  r.settle();
  assert.equal(r.state('d'), 'start/spawned');
  r.clock.advance(1);
  r.settle();
  assert.equal(r.state('d'), 'stop/killed');
});
