// Spawns whose exec is confirmed later (the native port's spawnStart): the job waits in spawned, a failed exec fails the start as before, every order of outcome, exit and stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineError } from '../../../src/model/engineApi.ts';
import { Harness, jobClass } from './harness.ts';

const ENOENT = { stage: 'exec', errno: 2, code: 'ENOENT', message: 'unable to execute "/usr/sbin/foo": No such file or directory (ENOENT)' };

function pending(): Harness {
  const h = new Harness();
  h.port.pendingExec = true;
  return h;
}

test('main waits in spawned until its exec is confirmed; then started, and the start command returns', async () => {
  const h = pending().add(jobClass('svc', { exec: '/bin/svc' }));
  let done = false;
  const p = h.engine.start('svc', [], true).then((s) => { done = true; return s; });
  h.settle();
  assert.equal(h.state('svc'), 'start/spawned');
  assert.deepEqual(h.jobEvents('svc'), ['starting']);
  await Promise.resolve();
  assert.equal(done, false);
  h.confirm(h.pid('svc'));
  assert.equal(h.state('svc'), 'start/running');
  assert.equal((await p).state, 'running');
  assert.deepEqual(h.jobEvents('svc'), ['starting', 'started']);
});

test('exec ENOENT still fails the start: the same error, spawn-failed journal entry and stopped event as a spawn that failed at once', async () => {
  const h = pending().add(jobClass('foo', { exec: '/usr/sbin/foo' }));
  h.port.failures.set('/usr/sbin/foo', ENOENT);
  const p = h.engine.start('foo', [], true);
  h.settle();
  assert.equal(h.state('foo'), 'start/spawned');
  h.confirm(h.pid('foo'));
  await assert.rejects(p, (e: EngineError) => e.code === 'failed' && e.message === `Job failed to start: main process: ${ENOENT.message}`);
  const why = `SPAWN_ERROR=main process: ${ENOENT.message}`;
  assert.deepEqual(h.jobEvents('foo'), ['starting', `stopping RESULT=failed PROCESS=main ${why}`, `stopped RESULT=failed PROCESS=main ${why}`]);
  assert.equal(h.state('foo'), 'stop/waiting');
  assert.equal(h.journal.filter((e) => e.kind === 'spawn-failed').length, 1);
  assert.equal(h.journal.filter((e) => e.kind === 'spawn').length, 1, 'the pid existed: its spawn is in the journal');
  // The failed child's exit 127 comes after the outcome: no one's any more, nothing moves.
  h.exit(1000, 127);
  assert.equal(h.state('foo'), 'stop/waiting');
  assert.equal(h.jobEvents('foo').length, 3);
  assert.ok(h.logs.includes('warn: Failed to spawn foo main process: unable to execute "/usr/sbin/foo": No such file or directory (ENOENT, errno 2)'), h.logs.join('\n'));
});

test('the main process exits at once after its exec: confirmation first, then the exit (the port holds the exit), respawn as usual', () => {
  const h = pending().add(jobClass('r', { exec: '/bin/r', respawn: true }));
  void h.engine.start('r', [], false);
  h.settle();
  const first = h.pid('r');
  // Both arrive in the same drain, in the port's order.
  h.port.confirm(first);
  h.port.spawns.find((s) => s.pid === first)!.alive = false;
  h.port.events!.exited({ pid: first, kind: 'killed', signal: 'KILL', core: false });
  h.settle();
  assert.equal(h.state('r'), 'start/spawned', 'respawned, the new main waits for its exec');
  const second = h.pid('r');
  assert.notEqual(second, first);
  h.confirm(second);
  assert.equal(h.state('r'), 'start/running');
  assert.equal(h.startedCount('r'), 2);
});

test('stop while the exec is unconfirmed: the job goes to killed and signals the pid; a confirmed exec then ends by the signal', async () => {
  const h = pending().add(jobClass('s', { exec: '/bin/s' }));
  void h.engine.start('s', [], false);
  h.settle();
  const pid = h.pid('s');
  const stopped = h.engine.stop('s', [], true);
  h.settle();
  assert.equal(h.state('s'), 'stop/killed');
  assert.deepEqual(h.port.kills.map((k) => [k.pid, k.signal]), [[pid, 'TERM']]);
  h.confirm(pid);
  assert.equal(h.state('s'), 'stop/killed', 'the outcome alone moves nothing');
  h.signal(pid, 'TERM');
  assert.equal((await stopped).state, 'waiting');
  assert.equal(h.startedCount('s'), 0);
});

test('stop while unconfirmed, then the exec fails: the job leaves killed at once, failed with the spawn error', async () => {
  const h = pending().add(jobClass('s2', { exec: '/usr/sbin/foo' }));
  h.port.failures.set('/usr/sbin/foo', ENOENT);
  void h.engine.start('s2', [], false);
  h.settle();
  const stopped = h.engine.stop('s2', [], true);
  h.settle();
  assert.equal(h.state('s2'), 'stop/killed');
  h.confirm(h.pid('s2', 'main'));
  assert.equal(h.state('s2'), 'stop/waiting');
  await stopped;
  assert.match(h.jobEvents('s2').at(-1)!, /^stopped RESULT=failed PROCESS=main SPAWN_ERROR=main process: /);
});

test('a pre-start whose exec fails is the same failure as one that could not be spawned', async () => {
  const h = pending().add(jobClass('f', { exec: '/bin/f', pre: '/bin/check' }));
  h.port.failures.set('/bin/check', { ...ENOENT, message: 'unable to execute "/bin/check": No such file or directory (ENOENT)' });
  const p = h.engine.start('f', [], true);
  h.settle();
  assert.equal(h.state('f'), 'start/pre-start');
  h.confirm(h.pid('f', 'pre-start'));
  await assert.rejects(p, { code: 'failed', message: 'Job failed to start: pre-start process: unable to execute "/bin/check": No such file or directory (ENOENT)' });
  assert.equal(h.spawnsOf('f').length, 0, 'main never ran');
  assert.match(h.jobEvents('f').at(-1)!, /^stopped RESULT=failed PROCESS=pre-start SPAWN_ERROR=pre-start process: /);
});

test('a confirmed pre-start is waited for by its exit as before', () => {
  const h = pending().add(jobClass('g', { exec: '/bin/g', pre: '/bin/check' }));
  void h.engine.start('g', [], false);
  h.settle();
  h.confirm(h.pid('g', 'pre-start'));
  assert.equal(h.state('g'), 'start/pre-start');
  h.exit(h.pid('g', 'pre-start'));
  assert.equal(h.state('g'), 'start/spawned');
  h.confirm(h.pid('g'));
  assert.equal(h.state('g'), 'start/running');
});

test('expect stop: the readiness wait starts once the exec is confirmed', () => {
  const h = pending().add(jobClass('e', { exec: '/bin/e', expect: { kind: 'stop' } }));
  void h.engine.start('e', [], false);
  h.settle();
  const pid = h.pid('e');
  assert.equal(h.state('e'), 'start/spawned');
  h.confirm(pid);
  assert.equal(h.state('e'), 'start/spawned');
  h.port.events!.ready(pid, pid);
  h.settle();
  assert.equal(h.state('e'), 'start/running');
  assert.deepEqual(h.port.resumed, [pid]);
});

test('a snapshot taken while an exec is unconfirmed restores the exec wait; an outcome the state carries is taken first', () => {
  const h = pending().add(jobClass('w', { exec: '/usr/sbin/foo' }));
  h.port.failures.set('/usr/sbin/foo', ENOENT);
  void h.engine.start('w', [], false);
  h.settle();
  const pid = h.pid('w');
  // The outcome reached the engine's queue but was not handled when the state was taken.
  h.port.confirm(pid);
  const r = h.restored();
  assert.equal(r.state('w'), 'start/spawned');
  r.settle();
  assert.equal(r.state('w'), 'stop/waiting');
  assert.match(r.jobEvents('w').at(-1)!, /^stopped RESULT=failed PROCESS=main SPAWN_ERROR=main process: /);
});

test('a snapshot taken while an exec is unconfirmed and no outcome is queued: the new image takes the process as exec\'d (its outcome went with the old image)', () => {
  const h = pending().add(jobClass('v', { exec: '/bin/v' }));
  void h.engine.start('v', [], false);
  h.settle();
  const pid = h.pid('v');
  const r = h.restored();
  r.settle();
  assert.equal(r.state('v'), 'start/running');
  // Had its exec failed, its exit 127 is what the new image hears: the job ends as a main that exited 127.
  r.exit(pid, 127);
  assert.equal(r.state('v'), 'stop/waiting');
});

/** A port that names pending spawns by a provisional id (<= 0) until execed gives the pid, as the native port does. */
function provisional(): Harness {
  const h = pending();
  h.port.provisionalIds = true;
  return h;
}

test('provisional id: status, the journal\'s spawn entry and the debug log show the pid only once execed gives it', async () => {
  const h = provisional().add(jobClass('p', { exec: '/bin/p', pre: '/bin/pre' }));
  const p = h.engine.start('p', [], true);
  h.settle();
  const pre = h.pid('p', 'pre-start');
  assert.equal(h.state('p'), 'start/pre-start');
  assert.deepEqual(h.engine.status('p')[0]!.processes, [], 'no provisional id in the status');
  assert.equal(h.journal.filter((e) => e.kind === 'spawn').length, 0);
  h.confirm(pre);
  assert.deepEqual(h.engine.status('p')[0]!.processes, [{ process: 'pre-start', pid: pre }]);
  h.exit(pre, 0);
  const main = h.pid('p');
  assert.equal(h.state('p'), 'start/spawned');
  assert.deepEqual(h.engine.status('p')[0]!.processes, []);
  h.confirm(main);
  assert.equal((await p).state, 'running');
  assert.deepEqual(h.engine.status('p')[0]!.processes, [{ process: 'main', pid: main }]);
  assert.deepEqual(h.journal.flatMap((e) => (e.kind === 'spawn' ? [[e.process, e.pid]] : [])), [['pre-start', pre], ['main', main]]);
  assert.deepEqual(h.logs.filter((l) => /\(-\d+\)|\(0\)/.test(l)), [], 'no log line names a provisional id');
});

test('provisional id: stop before the pid is known signals the id (the port sends it once the pid is known); the exit of the pid then ends the job', async () => {
  const h = provisional().add(jobClass('q', { exec: '/bin/q' }));
  void h.engine.start('q', [], false);
  h.settle();
  const pid = h.pid('q');
  const id = h.port.spawns.find((s) => s.pid === pid)!.id;
  assert.ok(id < 0);
  const stopped = h.engine.stop('q', [], true);
  h.settle();
  assert.equal(h.state('q'), 'stop/killed');
  assert.deepEqual(h.port.kills.map((k) => [k.pid, k.signal]), [[id, 'TERM']]);
  h.confirm(pid);
  assert.equal(h.state('q'), 'stop/killed');
  h.signal(pid, 'TERM');
  await stopped;
  assert.equal(h.state('q'), 'stop/waiting');
});

test('provisional id: the exec fails (its exit 127 follows, no one\'s) or the clone fails (no pid at all): the start fails with the spawn error', async () => {
  for (const cloneFailed of [false, true]) {
    const h = provisional().add(jobClass('f', { exec: '/usr/sbin/foo' }));
    h.port.failures.set('/usr/sbin/foo', ENOENT);
    const p = h.engine.start('f', [], true);
    h.settle();
    const pid = h.pid('f');
    h.confirm(pid, { cloneFailed });
    await assert.rejects(p, (e: EngineError) => e.code === 'failed' && e.message === `Job failed to start: main process: ${ENOENT.message}`);
    assert.equal(h.state('f'), 'stop/waiting');
    assert.deepEqual(h.journal.flatMap((e) => (e.kind === 'spawn' ? [e.pid] : [])), cloneFailed ? [] : [pid]);
    if (!cloneFailed) {
      h.exit(pid, 127);
      assert.equal(h.state('f'), 'stop/waiting');
    }
  }
});

test('provisional id: an outcome queued but not yet handled when the state is taken carries the pid, never the id', () => {
  const h = provisional().add(jobClass('s', { exec: '/bin/s' }));
  void h.engine.start('s', [], false);
  h.settle();
  const pid = h.pid('s');
  h.port.confirm(pid);
  const r = h.restored();
  assert.deepEqual(r.engine.status('s')[0]!.processes, [{ process: 'main', pid }]);
  r.settle();
  assert.equal(r.state('s'), 'start/running');
  r.exit(pid, 0);
  assert.equal(r.state('s'), 'stop/waiting');
});

test('provisional id: a state view taken while the pid is not known leaves the id out, and restores (the dry run\'s copy)', () => {
  const h = provisional().add(jobClass('t', { exec: '/bin/t', pre: '/bin/pre' }));
  void h.engine.start('t', [], false);
  h.settle();
  const snap = h.engine.snapshot();
  const job = snap.jobs.find((j) => j.name === 't')!;
  assert.deepEqual(job.pids, {});
  assert.ok(h.port.spawns.some((s) => s.id < 0), 'the engine still holds the provisional id');
  const r = h.restored();
  assert.deepEqual(r.engine.status('t')[0]!.processes, []);
});
