// The spawn policy: --no-log, the job's open-file limit and NOTIFY_SOCKET are applied to each request; the rest passes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustSpawns } from '../../../src/daemon/spawnPolicy.ts';
import type { SpawnRequest } from '../../../src/process/port.ts';
import { FakeProcessPort } from '../job/harness.ts';

function request(over: Partial<SpawnRequest> = {}): SpawnRequest {
  return {
    job: 'j', instance: '', process: 'main', argv: ['/bin/true'], env: ['PATH=/bin'], console: 'log',
    limits: {}, cgroups: [], expect: { kind: 'none' }, ...over,
  };
}

test('--no-log turns console log into console none, and leaves other consoles alone', () => {
  const port = new FakeProcessPort();
  const p = adjustSpawns(port, { noLog: true, nofile: undefined, notifySocket: () => undefined, gone: () => undefined });
  p.spawn(request());
  p.spawn(request({ console: 'output' }));
  assert.deepEqual(port.spawns.map((s) => s.req.console), ['none', 'output']);
});

test('a job without limit nofile gets the daemon\'s start limit; one with it keeps its own', () => {
  const port = new FakeProcessPort();
  const p = adjustSpawns(port, { noLog: false, nofile: { soft: 1024, hard: 4096 }, notifySocket: () => undefined, gone: () => undefined });
  p.spawn(request());
  p.spawn(request({ limits: { nofile: { soft: 10, hard: 20 } } }));
  assert.deepEqual(port.spawns.map((s) => s.req.limits.nofile), [{ soft: 1024, hard: 4096 }, { soft: 10, hard: 20 }]);
  assert.equal(port.spawns[0]!.req.console, 'log');
});

test('NOTIFY_SOCKET only for a job that waits for an event (expect CONDITION), and only once the socket is bound', () => {
  const port = new FakeProcessPort();
  const bound: { path?: string } = {};
  const p = adjustSpawns(port, { noLog: false, nofile: undefined, notifySocket: () => bound.path, gone: () => undefined });
  const waits = request({ expect: { kind: 'event', condition: { kind: 'event', name: 'ready', args: [] } } });
  p.spawn(waits);
  bound.path = '/run/upstart.sock.notify';
  p.spawn(waits);
  p.spawn(request());
  assert.deepEqual(port.spawns.map((s) => s.req.env), [['PATH=/bin'], ['PATH=/bin', 'NOTIFY_SOCKET=/run/upstart.sock.notify'], ['PATH=/bin']]);
});

test('signal, resume and instanceGone pass through; gone hears the instance first', () => {
  const port = new FakeProcessPort();
  const gone: string[] = [];
  const p = adjustSpawns(port, { noLog: false, nofile: undefined, notifySocket: () => undefined, gone: (j, i) => gone.push(`${j}/${i}`) });
  p.signal({ job: 'a', instance: 'b' }, 'cgroup', 'TERM', [5]);
  p.resume(6);
  p.instanceGone?.('a', 'b');
  assert.deepEqual(port.kills, [{ pid: 5, signal: 'TERM', group: true }]);
  assert.deepEqual(port.resumed, [6]);
  assert.deepEqual(gone, ['a/b']);
});
