// The staged shutdown: the event stage lets `stop on` act, then the rest stop layer by layer in the order the conditions imply, those without `stop on` last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, jobClass } from './harness.ts';

/** Plays the processes: every helper process (pre-stop, post-stop…) exits 0, every main process sent TERM dies of it. */
function play(h: Harness): void {
  const answered = new Set<number>();
  for (let progress = true; progress;) {
    progress = false;
    for (const s of h.port.spawns) {
      if (s.alive && s.req.process !== 'main') { h.exit(s.pid, 0); progress = true; }
    }
    h.port.kills.forEach((k, i) => {
      if (answered.has(i) || k.signal !== 'TERM') return;
      answered.add(i);
      const s = h.port.spawns.find((x) => x.pid === k.pid && x.alive);
      if (s) { h.signal(s.pid, 'TERM'); progress = true; }
    });
  }
}

const stops = (h: Harness): string[] => h.eventLog((n) => n === 'stopping' || n === 'stopped').map((l) => l.replace(/ INSTANCE=.*$/, ''));

test('runlevel 0: a job with `stop on stopping b` stops before b, with its pre-stop; a job with no stop on stops last', async () => {
  const h = new Harness().add(
    jobClass('c', { start: 'startup', exec: '/c' }),
    jobClass('b', { start: 'startup', stop: 'runlevel [!2345]', exec: '/b' }),
    jobClass('a', { start: 'started b', stop: 'stopping b', exec: '/a', preStop: '/a-pre-stop' }),
  );
  h.emit('startup');
  assert.deepEqual(['a', 'b', 'c'].map((j) => h.state(j)), ['start/running', 'start/running', 'start/running']);
  let done = false;
  const p = h.engine.shutdown({ event: { name: 'runlevel', env: ['RUNLEVEL=0', 'PREVLEVEL=2'] } }).then(() => { done = true; });
  h.settle();
  play(h);
  await p;
  assert.equal(done, true);
  assert.deepEqual(stops(h), [
    'stopping JOB=b', 'stopping JOB=a', 'stopped JOB=a', 'stopped JOB=b', 'stopping JOB=c', 'stopped JOB=c',
  ]);
  // a's pre-stop ran before a was sent TERM.
  const pre = h.spawnsOf('a', 'pre-stop');
  assert.equal(pre.length, 1);
  assert.deepEqual(h.eventLog((n) => n === 'runlevel'), ['runlevel RUNLEVEL=0 PREVLEVEL=2']);
  assert.ok(h.logs.includes('info: shutdown: emitting runlevel RUNLEVEL=0 PREVLEVEL=2'), h.logs.join('\n'));
  assert.ok(h.logs.includes('info: shutdown: stopping c'), h.logs.join('\n'));
});

test('with no event: reverse start order (`start on started b` stops before b), and `stop on stopped b` after b', async () => {
  const h = new Harness().add(
    jobClass('base', { start: 'startup', exec: '/base' }),
    jobClass('web', { start: 'started base', exec: '/web' }),
    jobClass('cleanup', { start: 'startup', stop: 'stopped base', exec: '/cleanup' }),
    jobClass('watch', { start: 'startup', stop: 'never-emitted', exec: '/watch' }),
  );
  h.emit('startup');
  const p = h.engine.shutdown({});
  h.settle();
  play(h);
  await p;
  const order = h.eventLog((n) => n === 'stopped').map((l) => l.split(' ')[1]);
  // With a stop on first (cleanup, watch: one layer), then base's layer: web before base.
  assert.deepEqual(order, ['JOB=cleanup', 'JOB=watch', 'JOB=web', 'JOB=base']);
});

test('the event stage still starts what the event starts (a runlevel 0 task), and holds the stop stage until it ends', async () => {
  const h = new Harness().add(
    jobClass('svc', { start: 'startup', exec: '/svc' }),
    jobClass('rc', { start: 'runlevel [06]', task: true, exec: '/rc' }),
  );
  h.emit('startup');
  const p = h.engine.shutdown({ event: { name: 'runlevel', env: ['RUNLEVEL=0', 'PREVLEVEL=2'] } });
  h.settle();
  assert.equal(h.state('rc'), 'start/running');
  assert.equal(h.state('svc'), 'start/running');
  assert.deepEqual(h.port.kills, []);
  h.exit(h.pid('rc'), 0);
  assert.equal(h.state('svc'), 'stop/killed');
  h.signal(h.pid('svc'), 'TERM');
  await p;
  // Once the stop stage began, nothing starts any more.
  const again = h.engine.start('svc', [], false);
  h.settle();
  await assert.rejects(again, /init is shutting down/);
});

test('a job that ignores TERM is killed after its kill timeout; a second shutdown joins the first', async () => {
  const h = new Harness().add(jobClass('stubborn', { start: 'startup', exec: '/s', killTimeout: 2 }));
  h.emit('startup');
  let n = 0;
  const p1 = h.engine.shutdown({}).then(() => { n++; });
  const p2 = h.engine.shutdown({ event: { name: 'session-end', env: [] } }).then(() => { n++; });
  h.settle();
  assert.deepEqual(h.port.kills.map((k) => k.signal), ['TERM']);
  h.clock.advance(2000);
  assert.deepEqual(h.port.kills.map((k) => k.signal), ['TERM', 'KILL']);
  h.signal(h.pid('stubborn'), 'KILL');
  await Promise.all([p1, p2]);
  assert.equal(n, 2);
  assert.ok(h.logs.includes('info: shutdown: already under way'));
  assert.deepEqual(h.eventLog((e) => e === 'session-end'), []);
});

test('a shutdown with no job resolves at once', async () => {
  const h = new Harness();
  const p = h.engine.shutdown({ event: { name: 'session-end', env: [] } });
  h.settle();
  await p;
  assert.deepEqual(h.eventLog(), ['session-end']);
});
