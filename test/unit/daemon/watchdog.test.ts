// The watchdog on a fake clock: pings re-arm it, a missed interval kills with ABRT then KILL after the kill timeout, an exit disarms, history stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fakeClock.ts';
import { Watchdog } from '../../../src/daemon/watchdog.ts';

function setup(): { clock: FakeClock; w: Watchdog; kills: [number, string][]; logs: string[] } {
  const clock = new FakeClock();
  const kills: [number, string][] = [];
  const logs: string[] = [];
  const w = new Watchdog({ clock, kill: (pid, sig) => kills.push([pid, sig]), killTimeout: () => 5, log: (_l, m) => logs.push(m) });
  return { clock, w, kills, logs };
}

test('pings within the interval keep the process; a missed one kills it with ABRT, then KILL after the kill timeout', () => {
  const { clock, w, kills, logs } = setup();
  w.arm('db', '', 100, 1_000_000);
  for (let i = 0; i < 5; i++) {
    clock.advance(900);
    assert.equal(w.ping('db', ''), true);
  }
  assert.deepEqual(kills, []);
  clock.advance(1000);
  assert.deepEqual(kills, [[100, 'ABRT']]);
  assert.match(logs[0]!, /^db watchdog: no WATCHDOG=1 for 1 s: main process 100 killed with ABRT$/);
  // Pings after the kill do not save it.
  assert.equal(w.ping('db', ''), false);
  clock.advance(5000);
  assert.deepEqual(kills, [[100, 'ABRT'], [100, 'KILL']]);
  const st = w.status('db', '')!;
  assert.equal(st.timeouts, 1);
  assert.match(st.last!.reason, /no WATCHDOG=1 for 1 s/);
});

test('an exit disarms (no KILL for a pid that is gone), the history stays until the instance is forgotten', () => {
  const { clock, w, kills } = setup();
  w.arm('db', 'a', 7, 500_000);
  clock.advance(500);
  assert.deepEqual(kills, [[7, 'ABRT']]);
  w.exited(7);
  clock.advance(10_000);
  assert.deepEqual(kills, [[7, 'ABRT']]);
  assert.equal(w.status('db', 'a')!.timeouts, 1);
  w.arm('db', 'a', 8, 500_000);
  assert.equal(w.status('db', 'a')!.usec, 500_000);
  w.forget('db', 'a');
  assert.equal(w.status('db', 'a'), undefined);
});

test('moved() follows expect fork; WATCHDOG_USEC changes the interval; WATCHDOG=trigger fires at once', () => {
  const { clock, w, kills } = setup();
  w.arm('d', '', 10, 1_000_000);
  w.moved(10, 11);
  assert.equal(w.setInterval('d', '', 3_000_000), true);
  clock.advance(2500);
  assert.deepEqual(kills, []);
  clock.advance(600);
  assert.deepEqual(kills, [[11, 'ABRT']]);
  w.exited(11);
  w.arm('d', '', 12, 1_000_000);
  assert.equal(w.trigger('d', ''), true);
  assert.deepEqual(kills.at(-1), [12, 'ABRT']);
  assert.match(w.status('d', '')!.last!.reason, /WATCHDOG=trigger/);
  assert.equal(w.ping('nobody', ''), false);
});
