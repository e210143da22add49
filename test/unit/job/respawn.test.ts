// Respawn and its limit windows, normal exit, kill timeout escalation, expect stop/fork/daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, jobClass } from './harness.ts';

test('respawn: a service that dies is restarted without a stopped event', () => {
  const h = new Harness().add(jobClass('r', { respawn: true, exec: '/r' }));
  void h.engine.start('r', [], false);
  h.settle();
  h.exit(h.pid('r'), 0);
  assert.equal(h.state('r'), 'start/running');
  assert.equal(h.spawnsOf('r').length, 2);
  assert.deepEqual(h.jobEvents('r'), ['starting', 'started', 'stopping RESULT=ok PROCESS=main EXIT_STATUS=0', 'starting', 'started']);
});

test('respawn limit: more than COUNT respawns within INTERVAL stops the job with PROCESS=respawn', () => {
  const h = new Harness().add(jobClass('r', { respawn: true, respawnLimit: { count: 3, interval: 10 }, exec: '/r' }));
  void h.engine.start('r', [], false);
  h.settle();
  for (let i = 0; i < 3; i++) {
    h.clock.advance(1000);
    h.exit(h.pid('r'), 1);
    assert.equal(h.state('r'), 'start/running', `respawn ${i + 1}`);
  }
  h.clock.advance(1000);
  h.exit(h.pid('r'), 1);
  assert.equal(h.state('r'), 'stop/waiting');
  assert.equal(h.jobEvents('r').at(-1), 'stopped RESULT=failed PROCESS=respawn EXIT_STATUS=1');
  assert.ok(h.logs.some((l) => l.includes('respawning too fast')));
});

test('respawn limit window: respawns spread wider than INTERVAL never hit the limit', () => {
  const h = new Harness().add(jobClass('r', { respawn: true, respawnLimit: { count: 2, interval: 5 }, exec: '/r' }));
  void h.engine.start('r', [], false);
  h.settle();
  for (let i = 0; i < 10; i++) {
    h.clock.advance(2600);
    h.exit(h.pid('r'), 1);
    assert.equal(h.state('r'), 'start/running', `respawn ${i + 1}`);
  }
});

test('default respawn limit is 10 in 5 s; unlimited never stops', () => {
  const h = new Harness().add(jobClass('r', { respawn: true, exec: '/r' }), jobClass('u', { respawn: true, respawnLimit: 'unlimited', exec: '/u' }));
  void h.engine.start('r', [], false);
  void h.engine.start('u', [], false);
  h.settle();
  for (let i = 0; i < 10; i++) h.exit(h.pid('r'), 1);
  assert.equal(h.state('r'), 'start/running');
  h.exit(h.pid('r'), 1);
  assert.equal(h.state('r'), 'stop/waiting');
  for (let i = 0; i < 50; i++) h.exit(h.pid('u'), 1);
  assert.equal(h.state('u'), 'start/running');
});

test('normal exit: listed statuses and signals neither fail nor respawn; a task exiting 0 is done', () => {
  const h = new Harness().add(
    jobClass('n', { respawn: true, normalExit: { statuses: [0, 1], signals: ['TERM'] }, exec: '/n' }),
    jobClass('t', { respawn: true, task: true, exec: '/t' }),
    jobClass('s', { exec: '/s' }),
  );
  for (const j of ['n', 't', 's']) void h.engine.start(j, [], false);
  h.settle();
  h.exit(h.pid('n'), 1);
  assert.equal(h.jobEvents('n').at(-1), 'stopped RESULT=ok PROCESS=main EXIT_STATUS=1');
  h.exit(h.pid('t'), 0);
  assert.equal(h.state('t'), 'stop/waiting');
  h.signal(h.pid('s'), 'SEGV');
  assert.equal(h.jobEvents('s').at(-1), 'stopped RESULT=failed PROCESS=main EXIT_SIGNAL=SEGV');
});

test('kill timeout: TERM (or kill signal) first, KILL after the timeout to the process group', () => {
  const h = new Harness().add(jobClass('k', { exec: '/k', killSignal: 'INT', killTimeout: 3 }));
  void h.engine.start('k', [], false);
  h.settle();
  const pid = h.pid('k');
  void h.engine.stop('k', [], false);
  h.settle();
  assert.deepEqual(h.port.kills, [{ pid, signal: 'INT', group: true }]);
  h.clock.advance(2999);
  assert.equal(h.port.kills.length, 1);
  h.clock.advance(1);
  assert.deepEqual(h.port.kills[1], { pid, signal: 'KILL', group: true });
  h.signal(pid, 'KILL');
  assert.equal(h.jobEvents('k').at(-1), 'stopped RESULT=ok PROCESS=main EXIT_SIGNAL=KILL');
});

test('no KILL when the process ends within the kill timeout', () => {
  const h = new Harness().add(jobClass('k', { exec: '/k' }));
  void h.engine.start('k', [], false);
  h.settle();
  void h.engine.stop('k', [], false);
  h.settle();
  h.signal(h.pid('k'), 'TERM');
  h.clock.advance(10_000);
  assert.equal(h.port.kills.filter((k) => k.signal === 'KILL').length, 0);
});

test('expect fork/daemon/stop: spawned until the port reports the pid to track', () => {
  for (const kind of ['fork', 'daemon', 'stop'] as const) {
    const h = new Harness().add(jobClass('d', { exec: '/d', expect: { kind } }));
    void h.engine.start('d', [], false);
    h.settle();
    assert.equal(h.state('d'), 'start/spawned');
    const first = h.pid('d');
    h.port.events!.ready(first, kind === 'stop' ? first : 4242);
    h.settle();
    assert.equal(h.state('d'), 'start/running');
    const tracked = kind === 'stop' ? first : 4242;
    assert.deepEqual(h.engine.status('d')[0]!.processes, [{ process: 'main', pid: tracked }]);
    assert.deepEqual(h.engine.jobsUsingPid(tracked), [{ job: 'd', instance: '', process: 'main' }]);
    if (kind === 'stop') assert.deepEqual(h.port.resumed, [first]);
  }
});
