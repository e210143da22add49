// DESIGN §3.1 condition semantics in default and legacy (1.13) modes, and why().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, jobClass } from '../job/harness.ts';

/** Starts service `name` (no processes beyond main) and lets it run. */
function run(h: Harness, name: string): void {
  void h.engine.start(name, [], false);
  h.settle();
}
function halt(h: Harness, name: string): void {
  void h.engine.stop(name, [], false);
  h.settle();
  h.signal(h.pid(name), 'TERM');
}

for (const legacy of [false, true]) {
  const mode = legacy ? 'legacy' : 'default';

  test(`[${mode}] start on started a and started b: true→false→true`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(
      jobClass('a', { exec: '/a' }), jobClass('b', { exec: '/b' }),
      jobClass('j', { start: 'started a and started b', pre: '/bin/pre' }),
    );
    run(h, 'a');
    run(h, 'b');
    assert.equal(h.spawnsOf('j', 'pre-start').length, 1);
    h.exit(h.pid('j', 'pre-start'));
    void h.engine.stop('j', [], false);
    h.settle();
    // a goes away and comes back while b keeps running.
    halt(h, 'a');
    run(h, 'a');
    // default: the whole condition went true→false→true: fires again. 1.13: b's leaf was reset, no start.
    assert.equal(h.spawnsOf('j', 'pre-start').length, legacy ? 1 : 2);
  });

  test(`[${mode}] a leaf that was true only in the past does not fire`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(
      jobClass('a', { exec: '/a' }), jobClass('b', { exec: '/b' }),
      jobClass('j', { start: 'started a and started b', exec: '/j' }),
    );
    run(h, 'a');
    halt(h, 'a');
    run(h, 'b');
    // 1.13 remembers `started a` although a has stopped: it starts j. We do not.
    assert.equal(h.spawnsOf('j').length, legacy ? 1 : 0);
  });

  test(`[${mode}] plain events are latched until the condition fires, then cleared`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(jobClass('j', { start: 'A and B', task: true, exec: '/j' }));
    h.emit('A');
    assert.equal(h.spawnsOf('j').length, 0);
    h.emit('B');
    assert.equal(h.spawnsOf('j').length, 1);
    h.exit(h.pid('j'));
    h.emit('B');
    assert.equal(h.spawnsOf('j').length, 1, 'A was consumed by the firing');
    h.emit('A');
    assert.equal(h.spawnsOf('j').length, 2);
    assert.ok(h.spawnsOf('j')[1]!.req.env.includes('UPSTART_EVENTS=B A') || h.spawnsOf('j')[1]!.req.env.includes('UPSTART_EVENTS=A B'));
  });

  test(`[${mode}] the init(5) BUGS example: start on A and (B or C)`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(jobClass('j', { start: 'A and (B or C)', task: true, exec: '/j' }));
    h.emit('A');
    h.emit('B');
    assert.equal(h.spawnsOf('j').length, 1);
    h.exit(h.pid('j'));
    h.emit('A');
    h.emit('C');
    assert.equal(h.spawnsOf('j').length, 2);
  });

  test(`[${mode}] loading a class whose condition already holds starts nothing`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(jobClass('a', { exec: '/a' }));
    run(h, 'a');
    h.add(jobClass('j', { start: 'started a', exec: '/j' }));
    h.settle();
    assert.equal(h.spawnsOf('j').length, 0);
  });

  test(`[${mode}] started of a task is latched: start on started t and started s`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(
      jobClass('t', { task: true, exec: '/t' }), jobClass('s', { exec: '/s' }),
      jobClass('j', { start: 'started t and started s', exec: '/j' }),
    );
    run(h, 't');
    h.exit(h.pid('t'));
    assert.equal(h.state('t'), 'stop/waiting');
    run(h, 's');
    assert.equal(h.spawnsOf('j').length, 1, 'the task has started, even though it has ended');
  });
}

test('[default] stopped J holds from J stopped until J starting; false for a job that never ran', () => {
  const h = new Harness().add(jobClass('a', { exec: '/a' }), jobClass('j', { start: 'stopped a and go', task: true, exec: '/j' }));
  h.emit('go');
  assert.equal(h.spawnsOf('j').length, 0, 'never ran: stopped a is false');
  run(h, 'a');
  halt(h, 'a');
  h.emit('go');
  assert.equal(h.spawnsOf('j').length, 1);
  h.exit(h.pid('j'));
  run(h, 'a');
  h.emit('go');
  assert.equal(h.spawnsOf('j').length, 1, 'a is running again: stopped a no longer holds');
});

test('[default] stop on stopping a follows a each time it stops', () => {
  const h = new Harness().add(jobClass('a', { exec: '/a' }), jobClass('j', { start: 'started a', stop: 'stopping a', exec: '/j' }));
  for (let i = 1; i <= 3; i++) {
    run(h, 'a');
    assert.equal(h.state('j'), 'start/running', `round ${i}`);
    void h.engine.stop('a', [], false);
    h.settle();
    assert.equal(h.state('j'), 'stop/killed');
    h.signal(h.pid('j'), 'TERM');
    h.signal(h.pid('a'), 'TERM');
    assert.equal(h.state('a'), 'stop/waiting');
  }
  assert.equal(h.spawnsOf('j').length, 3);
});

test('why() reports each leaf, its value and what changed it', () => {
  const h = new Harness().add(jobClass('a', { exec: '/a' }), jobClass('j', { start: 'started a and net-up IFACE!=lo', stop: 'stopping a', exec: '/j' }));
  run(h, 'a');
  h.clock.advance(1500);
  h.emit('net-up', 'IFACE=lo');
  const w = h.engine.why('j');
  assert.equal(w.start?.value, false);
  assert.deepEqual(w.start?.leaves.map((l) => [l.text, l.value]), [['started a', true], ['net-up IFACE!=lo', false]]);
  assert.match(w.start!.leaves[0]!.changedBy!, /event started JOB=a INSTANCE= at 0\.000s/);
  assert.deepEqual(w.stop?.leaves.map((l) => [l.text, l.value]), [['stopping a', false]]);
  h.emit('net-up', 'IFACE=eth0');
  const w2 = h.engine.why('j');
  assert.match(w2.start!.leaves[1]!.changedBy!, /cleared when the condition fired at 1\.500s/);
  assert.throws(() => h.engine.why('nope'), { code: 'unknown-job' });
});

test('$VAR expansion in stop on from the instance environment', () => {
  const h = new Harness().add(jobClass('tty', { instance: '$TTY', start: 'tty-added', stop: 'tty-removed TTY=$TTY', exec: '/sbin/getty $TTY' }));
  h.emit('tty-added', 'TTY=tty1');
  h.emit('tty-added', 'TTY=tty2');
  assert.deepEqual(h.engine.status('tty').map((s) => `${s.instance} ${s.goal}/${s.state}`), ['tty1 start/running', 'tty2 start/running']);
  h.emit('tty-removed', 'TTY=tty2');
  assert.deepEqual(h.engine.status('tty').map((s) => `${s.instance} ${s.goal}/${s.state}`), ['tty1 start/running', 'tty2 stop/killed']);
  const getty = h.spawnsOf('tty')[0]!;
  assert.deepEqual(getty.req.argv, ['/bin/sh', '-e', '-c', 'exec /sbin/getty $TTY']);
});

test('stop on runlevel [!$RUNLEVEL] expands then globs', () => {
  const h = new Harness().add(jobClass('rc', { start: 'runlevel [2345]', stop: 'runlevel [!$RUNLEVEL]', exec: '/rc' }));
  h.emit('runlevel', 'RUNLEVEL=2', 'PREVLEVEL=N');
  assert.equal(h.state('rc'), 'start/running');
  h.emit('runlevel', 'RUNLEVEL=2', 'PREVLEVEL=2');
  assert.equal(h.state('rc'), 'start/running');
  h.emit('runlevel', 'RUNLEVEL=6', 'PREVLEVEL=2');
  assert.equal(h.state('rc'), 'stop/killed');
});
