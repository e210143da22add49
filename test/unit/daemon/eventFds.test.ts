// EmitEventWithFile's fds in the fd store (src/daemon/dbusBinding.ts): names that never clobber, and the ones a re-exec carried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adoptEventFds, eventFdHooks } from '../../../src/daemon/dbusBinding.ts';
import { FdStore } from '../../../src/daemon/fdStore.ts';

function store(): { s: FdStore; closed: number[] } {
  const closed: number[] = [];
  return { s: new FdStore({ closeFd: (fd) => closed.push(fd) }), closed };
}

test('keep takes a name no fd has: a dbus-event-N the old image handed over is not replaced', () => {
  const { s, closed } = store();
  s.deposit('dbus-event-1', 41);
  s.deposit('dbus-event-2', 42);
  const hooks = eventFdHooks(s, () => undefined);
  assert.equal(hooks.keep(50), 'dbus-event-3');
  assert.equal(hooks.keep(51), 'dbus-event-4');
  assert.deepEqual(closed, []);
  assert.equal(s.get('dbus-event-1'), 41);
  hooks.forget('dbus-event-3');
  assert.deepEqual(closed, [50]);
});

test('after a re-exec: an fd whose event is in flight goes when it finishes, one with no event at once, others stay', async () => {
  const { s, closed } = store();
  s.deposit('dbus-event-3', 43);
  s.deposit('dbus-event-7', 47);
  s.deposit('web-socket', 60);
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => { finish = r; });
  const asked: number[] = [];
  const waiting = adoptEventFds(s, {
    eventsInFlight: () => [{ id: 9, env: ['A=1', 'LISTEN_FDNAMES=dbus-event-7'] }, { id: 10, env: ['LISTEN_FDNAMES=web-socket'] }],
    eventFinished: (id) => { asked.push(id); return finished; },
  });
  assert.equal(waiting, 1);
  assert.deepEqual(asked, [9]);
  // dbus-event-3's event finished before the exec (or was never handed over): nothing will ever close it but this.
  assert.deepEqual(closed, [43]);
  assert.equal(s.get('dbus-event-7'), 47);
  finish();
  await finished;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed, [43, 47]);
  // The socket bridge's fds are not EmitEventWithFile's: they stay.
  assert.equal(s.get('web-socket'), 60);
});
