// Runlevels: the event each change emits, 0 and 6 as the shutdown (INIT_HALT picks halt), a pending change replaced or cancelled, bad input refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionFor, Runlevels } from '../../../src/daemon/runlevels.ts';
import { EngineError } from '../../../src/model/engineApi.ts';

function world() {
  let t = 1_000_000;
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  const seen: string[] = [];
  const r = new Runlevels(undefined, {
    emit: (env) => seen.push(`emit ${env.join(' ')}`),
    shutdown: (env, action) => seen.push(`shutdown ${action} ${env.join(' ')}`),
    record: (level, prev) => seen.push(`record ${prev} ${level}`),
    log: (_level, msg) => seen.push(`log ${msg}`),
    now: () => t,
    after: (ms, fn) => {
      const timer = { at: t + ms, fn, live: true };
      timers.push(timer);
      return () => { timer.live = false; };
    },
  });
  const advance = (ms: number): void => {
    t += ms;
    for (const x of timers) if (x.live && x.at <= t) { x.live = false; x.fn(); }
  };
  return { r, seen, advance, now: () => t };
}

test('telinit 2 then 3: runlevel events with RUNLEVEL and PREVLEVEL, records, and the state', () => {
  const w = world();
  assert.deepEqual(w.r.state(), { runlevel: 'N', previous: 'N' });
  w.r.change('2', []);
  w.r.change('3', ['FOO=bar']);
  assert.deepEqual(w.r.state(), { runlevel: '3', previous: '2' });
  assert.deepEqual(w.seen.filter((l) => !l.startsWith('log')), [
    'record N 2', 'emit RUNLEVEL=2 PREVLEVEL=N', 'record 2 3', 'emit RUNLEVEL=3 PREVLEVEL=2 FOO=bar',
  ]);
});

test('0 and 6 are the shutdown: power off unless INIT_HALT=HALT, restart for 6; nothing changes after', () => {
  assert.equal(actionFor('0', []), 'poweroff');
  assert.equal(actionFor('0', ['INIT_HALT=POWEROFF']), 'poweroff');
  assert.equal(actionFor('0', ['INIT_HALT=HALT']), 'halt');
  assert.equal(actionFor('6', []), 'reboot');
  assert.equal(actionFor('1', []), undefined);
  const w = world();
  w.r.change('2', []);
  w.r.change('0', ['INIT_HALT=HALT']);
  assert.ok(w.seen.includes('shutdown halt RUNLEVEL=0 PREVLEVEL=2 INIT_HALT=HALT'), w.seen.join('\n'));
  assert.throws(() => w.r.change('6', []), (e: unknown) => e instanceof EngineError && e.code === 'denied');
  assert.deepEqual(w.r.state(), { runlevel: '0', previous: '2' });
});

test('a timed change waits; a second one replaces it and says so; -c cancels', () => {
  const w = world();
  w.r.change('2', []);
  const first = w.r.change('0', [], w.now() + 60_000, 'maintenance');
  assert.deepEqual(first, {});
  assert.equal(w.r.state().pending?.runlevel, '0');
  const second = w.r.change('6', [], w.now() + 120_000);
  assert.equal(second.replaced?.runlevel, '0');
  assert.equal(second.replaced?.message, 'maintenance');
  assert.ok(w.seen.some((l) => l.startsWith('log the pending change to runlevel 0 at ') && l.endsWith(' is replaced')));
  w.advance(60_000);
  assert.equal(w.r.state().runlevel, '2', 'the replaced change never happens');
  assert.equal(w.r.cancel().cancelled?.runlevel, '6');
  assert.deepEqual(w.r.cancel(), {});
  w.advance(120_000);
  assert.deepEqual(w.r.state(), { runlevel: '2', previous: 'N' });
  w.r.change('6', [], w.now() + 1000);
  w.advance(1000);
  assert.ok(w.seen.includes('shutdown reboot RUNLEVEL=6 PREVLEVEL=2'));
});

test('bad input: runlevel 9, a bad or reserved environment entry; nothing changes', () => {
  const w = world();
  for (const bad of ['9', '', 'Q', '23']) {
    assert.throws(() => w.r.change(bad, []), (e: unknown) => e instanceof EngineError && e.code === 'invalid' && e.message.startsWith('invalid runlevel: '));
  }
  for (const env of [['NOEQUALS'], ['RUNLEVEL=5'], ['PREVLEVEL=1'], ['=x']]) {
    assert.throws(() => w.r.change('3', env), /invalid environment entry/);
  }
  assert.equal(w.r.change('s', []).replaced, undefined);
  assert.deepEqual(w.r.state(), { runlevel: 'S', previous: 'N' });
  assert.deepEqual(w.seen.filter((l) => l.startsWith('emit')), ['emit RUNLEVEL=S PREVLEVEL=N']);
});

test('a re-exec hands the runlevel over', () => {
  const r = new Runlevels(['3', '2'], { emit: () => {}, shutdown: () => {}, record: () => {}, log: () => {}, now: () => 0, after: () => () => {} });
  assert.deepEqual(r.state(), { runlevel: '3', previous: '2' });
});
