// snapshot() → Engine.fromSnapshot(): the same status, the same next snapshot and the same behaviour afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineSnapshot } from '../../../src/job/engine.ts';
import { cond, Harness, jobClass } from './harness.ts';

function statusAll(h: Harness): string[] {
  return h.engine.classes().flatMap((c) => h.engine.status(c.name).map((s) => `${s.job} ${s.instance} ${s.goal}/${s.state} ${s.processes.map((p) => `${p.process}:${p.pid}`).join(',')}`));
}

/** Runs the same steps on the original and the restored engine and compares what each saw. */
function same(a: Harness, b: Harness, step: (h: Harness) => void, what: string): void {
  const ja = a.journal.length;
  const jb = b.journal.length;
  step(a);
  step(b);
  const strip = (h: Harness, from: number): unknown[] => h.journal.slice(from).map((e) => ({ ...e, t: 0, wall: 0 }));
  assert.deepEqual(strip(b, jb), strip(a, ja), what);
  assert.deepEqual(statusAll(b), statusAll(a), what);
}

function world(legacy: boolean): Harness {
  return new Harness({ legacyConditions: legacy }).add(
    jobClass('db', { exec: '/db' }),
    jobClass('app', { start: 'started db and net-up', stop: 'stopping db', exec: '/app', postStop: '/cleanup', killTimeout: 3 }),
    jobClass('tty', { instance: '$TTY', start: 'tty-added', stop: 'tty-removed TTY=$TTY', exec: '/getty $TTY' }),
    jobClass('r', { respawn: true, respawnLimit: { count: 2, interval: 10 }, exec: '/r' }),
    jobClass('wait-ready', { exec: '/w', expect: { kind: 'event', condition: cond('w-ready') } }),
    jobClass('pair', { start: 'a and b', task: true, exec: '/pair' }),
  );
}

test('snapshot round-trips: same status and snapshot, then the same behaviour (default and legacy, clock re-based or not)', () => {
  for (const [legacy, rebase] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const a = world(legacy);
    void a.engine.start('db', [], false);
    void a.engine.start('r', [], false);
    void a.engine.start('wait-ready', [], false);
    a.settle();
    a.emit('tty-added', 'TTY=tty1');
    a.emit('tty-added', 'TTY=tty2');
    a.emit('net-up'); // app starts (started db and net-up)
    a.emit('a'); // half of `a and b`: latched (held in legacy mode)
    a.clock.advance(1000);
    a.exit(a.pid('r'), 1); // one respawn inside the window
    void a.engine.stop('db', [], false); // db's stopping waits for app, which is in killed
    a.settle();
    assert.equal(a.state('db'), 'stop/stopping');
    assert.equal(a.state('app'), 'stop/killed');
    a.clock.advance(1000);

    const snap = a.engine.snapshot();
    assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap, 'plain data');
    // The snapshot's mode wins over the option. Re-based: the new clock starts at 0, so deadlines move.
    const b = a.restored({ legacyConditions: !legacy }, rebase ? 0 : a.clock.now());
    assert.deepEqual(statusAll(b), statusAll(a));
    if (!rebase) assert.deepEqual(b.engine.snapshot(), snap);
    else assert.equal(b.engine.snapshot().jobs.find((j) => j.name === 'app')!.killDeadline, 2000, 'killed 1 s ago with a 3 s timeout: due in 2 s');
    assert.deepEqual(b.engine.why('pair'), a.engine.why('pair'));

    const label = `${legacy ? 'legacy' : 'default'}${rebase ? ', re-based' : ''}`;
    same(a, b, (h) => h.emit('net-up'), `${label}: a plain event that changes nothing`);
    same(a, b, (h) => h.emit('b'), `${label}: the other half of a and b`);
    same(a, b, (h) => h.exit(h.pid('pair'), 0), `${label}: the task ends`);
    same(a, b, (h) => h.emit('w-ready'), `${label}: readiness`);
    same(a, b, (h) => h.emit('tty-removed', 'TTY=tty1'), `${label}: an instance stop condition`);
    same(a, b, (h) => h.clock.advance(2000), `${label}: app's kill timeout (armed before the snapshot) fires`);
    same(a, b, (h) => h.signal(h.pid('app'), 'KILL'), `${label}: app ends`);
    same(a, b, (h) => h.exit(h.pid('app', 'post-stop')), `${label}: db goes on stopping`);
    same(a, b, (h) => h.signal(h.pid('db'), 'TERM'), `${label}: db ends`);
    same(a, b, (h) => { h.clock.advance(1000); h.exit(h.pid('r'), 1); }, `${label}: second respawn, still in the window`);
    same(a, b, (h) => h.exit(h.pid('r'), 1), `${label}: third: past the respawn limit`);
    assert.equal(b.state('r'), 'stop/waiting');
    assert.equal(b.state('db'), 'stop/waiting');
  }
});

test('a snapshot taken with work and events queued carries them', () => {
  const a = world(false);
  void a.engine.start('db', [], false);
  a.settle();
  void a.engine.emit('net-up', [], false); // queued, not yet handled
  a.port.events!.exited({ pid: a.pid('db'), kind: 'killed', signal: 'SEGV', core: false }); // queued exit
  const b = a.restored();
  a.settle();
  b.settle();
  assert.deepEqual(statusAll(b), statusAll(a));
  // The queued exit is handled first: db fails; net-up, handled while db is still started, starts app,
  // which db's stopping stops again before its main ran (so its stopping names no process).
  assert.equal(b.jobEvents('db').at(-1), 'stopping RESULT=failed PROCESS=main EXIT_SIGNAL=SEGV');
  assert.equal(b.state('app'), 'stop/post-stop');
  assert.deepEqual(b.eventLog(), a.eventLog().slice(-b.eventLog().length));
  assert.deepEqual(b.eventLog(), ['net-up', 'stopping JOB=db INSTANCE= RESULT=failed PROCESS=main EXIT_SIGNAL=SEGV', 'starting JOB=app INSTANCE=', 'stopping JOB=app INSTANCE= RESULT=ok']);
});

test('an unknown snapshot version is refused with a code', () => {
  const a = world(false);
  const snap = { ...a.engine.snapshot(), version: 3 } as unknown as EngineSnapshot;
  assert.throws(() => new Harness({}, undefined, snap), { code: 'invalid' });
});
