// Kill policy (kill mode, ours): which processes the stop signal, the kill timeout's SIGKILL and the sweep before a respawn reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RESPAWN_LIMIT, type KillMode } from '../../../src/model/jobClass.ts';
import { Harness, jobClass } from './harness.ts';

const inst = { job: 'j', instance: '' };
type Sig = [string, string, number[]];
const sigs = (h: Harness): Sig[] => h.port.signals.map((s) => [s.target, s.signal, s.pids]);

function running(mode: KillMode | undefined, extra: Parameters<typeof jobClass>[1] = {}): { h: Harness; main: number } {
  const h = new Harness().add(jobClass('j', { exec: '/j', killTimeout: 2, ...(mode === undefined ? {} : { killMode: mode }), ...extra }));
  void h.engine.start('j', [], false);
  h.settle();
  return { h, main: h.pid('j') };
}

test('stop: cgroup (the default) signals the whole cgroup, then kills what is left once main is gone', () => {
  const { h, main } = running(undefined);
  void h.engine.stop('j', [], false);
  h.settle();
  assert.deepEqual(sigs(h), [['cgroup', 'TERM', [main]]]);
  assert.deepEqual(h.port.signals[0]!.inst, inst);
  h.signal(main, 'TERM');
  assert.deepEqual(sigs(h), [['cgroup', 'TERM', [main]], ['cgroup', 'KILL', []]]);
  assert.equal(h.state('j'), 'stop/waiting');
});

test('stop: process signals only main, SIGKILLs only main after the kill timeout, and leaves the rest', () => {
  const { h, main } = running('process');
  void h.engine.stop('j', [], false);
  h.settle();
  h.clock.advance(2000);
  h.settle();
  assert.deepEqual(sigs(h), [['main', 'TERM', [main]], ['main', 'KILL', [main]]]);
  h.signal(main, 'KILL');
  assert.deepEqual(sigs(h).length, 2, 'nothing swept');
  assert.equal(h.state('j'), 'stop/waiting');
});

test('stop: mixed sends TERM to main and SIGKILL to the whole cgroup after the kill timeout', () => {
  const { h, main } = running('mixed');
  void h.engine.stop('j', [], false);
  h.settle();
  assert.deepEqual(sigs(h), [['main', 'TERM', [main]]]);
  h.clock.advance(2000);
  h.settle();
  assert.deepEqual(sigs(h), [['main', 'TERM', [main]], ['cgroup', 'KILL', [main]]]);
});

test('mixed: main gone before the timeout: the rest is killed then', () => {
  const { h, main } = running('mixed');
  void h.engine.stop('j', [], false);
  h.settle();
  h.signal(main, 'TERM');
  assert.deepEqual(sigs(h), [['main', 'TERM', [main]], ['cgroup', 'KILL', []]]);
});

test('restart with kill mode process: main alone is signalled; the job comes back with a new main', () => {
  const { h, main } = running('process');
  void h.engine.restart('j', [], false);
  h.settle();
  assert.deepEqual(sigs(h), [['main', 'TERM', [main]]]);
  h.signal(main, 'TERM');
  assert.equal(h.state('j'), 'start/running');
  assert.notEqual(h.pid('j'), main);
  assert.deepEqual(sigs(h).length, 1, 'the forked children stay');
});

test('restart with the default: the cgroup is signalled, and emptied before the new main starts', () => {
  const { h, main } = running(undefined);
  void h.engine.restart('j', [], false);
  h.settle();
  h.signal(main, 'TERM');
  assert.deepEqual(sigs(h), [['cgroup', 'TERM', [main]], ['cgroup', 'KILL', []]]);
  assert.equal(h.state('j'), 'start/running');
  assert.equal(h.spawnsOf('j').length, 2);
});

test('respawn after main died by itself: the leftovers are killed before the new main (not with kill mode process)', () => {
  for (const mode of [undefined, 'mixed', 'process'] as const) {
    const { h, main } = running(mode, { respawn: true });
    let spawnsAtSweep = -1;
    const orig = h.port.signal.bind(h.port);
    h.port.signal = (i, t, s, p) => {
      spawnsAtSweep = h.spawnsOf('j').length;
      orig(i, t, s, p);
    };
    h.signal(main, 'KILL');
    assert.equal(h.state('j'), 'start/running', String(mode));
    if (mode === 'process') assert.deepEqual(sigs(h), [], 'process: nothing swept');
    else {
      assert.deepEqual(sigs(h), [['cgroup', 'KILL', []]], String(mode));
      assert.equal(spawnsAtSweep, 1, 'swept before the new main was spawned');
    }
  }
});

test('a service whose main ends by itself with no respawn keeps its leftovers (as in Upstart)', () => {
  const { h, main } = running(undefined);
  h.exit(main, 0);
  assert.equal(h.state('j'), 'stop/waiting');
  assert.deepEqual(sigs(h), []);
});

test('the default respawn limit: the 11th respawn within 5 s stops the job, sweeps its cgroup, and status says why', () => {
  assert.deepEqual(DEFAULT_RESPAWN_LIMIT, { count: 10, interval: 5 });
  const { h } = running(undefined, { respawn: true });
  for (let i = 0; i < 10; i++) {
    h.clock.advance(400);
    h.signal(h.pid('j'), 'KILL');
    assert.equal(h.state('j'), 'start/running', `respawn ${i + 1}`);
  }
  h.clock.advance(400);
  h.signal(h.pid('j'), 'KILL');
  assert.equal(h.state('j'), 'stop/waiting');
  assert.equal(h.spawnsOf('j').length, 11);
  assert.equal(sigs(h).length, 11, 'a sweep before each of the 10 respawns, and one when respawning stopped');
  assert.deepEqual(sigs(h).at(-1), ['cgroup', 'KILL', []]);
  assert.equal(h.jobEvents('j').at(-1), 'stopped RESULT=failed PROCESS=respawn EXIT_SIGNAL=KILL');
  assert.ok(h.logs.includes('warn: j respawning too fast, stopped'));
  // Each respawn said at warn, as Upstart does (shown at the default priority).
  assert.equal(h.logs.filter((l) => l === 'warn: j main process ended, respawning').length, 10);
  assert.equal(h.engine.lastFailure('j'), 'respawning too fast (more than 10 respawns within 5 s: respawn limit 10 5)');
});

test('the window: 10 respawns spread over more than 5 s never trip the default limit', () => {
  const { h } = running(undefined, { respawn: true });
  for (let i = 0; i < 30; i++) {
    h.clock.advance(600);
    h.signal(h.pid('j'), 'KILL');
    assert.equal(h.state('j'), 'start/running', `respawn ${i + 1}`);
  }
});

test('reload signals the main process only', () => {
  const { h, main } = running(undefined);
  void h.engine.reload('j', []);
  h.settle();
  assert.deepEqual(sigs(h), [['main', 'HUP', [main]]]);
});
