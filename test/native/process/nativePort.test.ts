// NativeProcessPort with real processes: console modes, held exits, big scripts, expect stop/fork/daemon, orphans, spawns known by a provisional id.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutputSink, OutputSource } from '../../../src/log/port.ts';
import * as native from '../../../src/sys/index.ts';
import { NativeProcessPort } from '../../../src/process/nativePort.ts';
import type { ExitInfo, SpawnFailure, SpawnRequest } from '../../../src/process/port.ts';
import { readAll, SH_ENV } from './helpers/reap.ts';
import { OWN_READY } from '../../../src/config/resourceStanzas.ts';

/** A sink that keeps each job's output in memory; `attach` resolves at EOF like the real one. */
class MemorySink implements OutputSink {
  readonly text = new Map<string, string>();
  attach(source: OutputSource, fd: number): Promise<void> {
    return readAll(fd, 30000).then((b) => { this.text.set(source.job, (this.text.get(source.job) ?? '') + b.toString()); });
  }
}

type Event =
  | { kind: 'exited'; info: ExitInfo; logsAtExit: Map<string, string> }
  | { kind: 'ready'; spawned: number; pid: number }
  | { kind: 'execed'; id: number; pid: number; failure?: SpawnFailure };
const sink = new MemorySink();
const events: Event[] = [];
const unowned: Array<{ pid: number; info: ExitInfo }> = [];
let wake: () => void = () => {};
native.setChildSubreaper(true);
/** Every kill(2) the port made: none may name a pid <= 0 (kill(0) and kill(-N) signal process groups). */
const kills: Array<{ pid: number; signal: string | number; group: boolean }> = [];
const sys = {
  ...native,
  kill: (pid: number, signal: string | number) => { kills.push({ pid, signal, group: false }); if (pid > 0) native.kill(pid, signal); },
  killGroup: (pgid: number, signal: string | number) => { kills.push({ pid: pgid, signal, group: true }); if (pgid > 0) native.killGroup(pgid, signal); },
};
const port = new NativeProcessPort({ sink, sys, flushDeadlineMs: 500, onUnowned: (pid, info) => { unowned.push({ pid, info }); wake(); } });
port.setEvents({
  exited: (info) => { events.push({ kind: 'exited', info, logsAtExit: new Map(sink.text) }); wake(); },
  ready: (spawned, pid) => { events.push({ kind: 'ready', spawned, pid }); wake(); },
  execed: (id, pid, failure) => { events.push(failure === undefined ? { kind: 'execed', id, pid } : { kind: 'execed', id, pid, failure }); wake(); },
  adopted: () => false,
});
after(() => {
  port.close();
  assert.deepEqual(kills.filter((k) => !(k.pid > 0)), [], 'never a kill(2) of a pid <= 0');
});

/** Waits (with a deadline) until `pred` finds an event. */
async function until<T>(pred: () => T | undefined, ms = 15000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting for a port event');
    await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, Math.max(1, deadline - Date.now())); });
  }
}
const exitOf = (pid: number) => () => events.find((e): e is Extract<Event, { kind: 'exited' }> => e.kind === 'exited' && e.info.pid === pid);
const readyOf = (pid: number) => () => events.find((e): e is Extract<Event, { kind: 'ready' }> => e.kind === 'ready' && e.spawned === pid);

function req(job: string, over: Partial<SpawnRequest>): SpawnRequest {
  return { job, instance: '', process: 'main', argv: ['/bin/sh', '-e'], env: SH_ENV, console: 'none', limits: {}, cgroups: [], expect: { kind: 'none' }, ...over };
}

function spawnOk(r: SpawnRequest): number {
  const res = port.spawn(r);
  assert.ok(res.ok, JSON.stringify(res));
  return res.pid;
}

test('console log: output is in the sink before the exit is reported', async () => {
  const pid = spawnOk(req('logged', { console: 'log', argv: ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done; exit 3'] }));
  const e = await until(exitOf(pid));
  assert.deepEqual(e.info, { pid, kind: 'exited', status: 3 });
  assert.ok(e.logsAtExit.get('logged')?.endsWith('line 1999\n'), 'the last line was logged before the exit event');
});

test('console log: a grandchild holding the pty does not hold the exit past the deadline', async () => {
  const t0 = Date.now();
  const pid = spawnOk(req('holder', { console: 'log', argv: ['sh', '-c', 'sleep 3 & echo started'] }));
  const e = await until(exitOf(pid));
  assert.equal(e.info.kind, 'exited');
  assert.ok(Date.now() - t0 < 2500, 'reported at the flush deadline, not when the grandchild let go');
  port.signal({ job: 'holder', instance: '' }, 'cgroup', 'KILL', [pid]);
});

test('a script of several MB is fed to the shell in full without blocking', async () => {
  const body = ': filler line that the shell reads and ignores .......................................\n'.repeat(60_000);
  const pid = spawnOk(req('bigscript', { script: `${body}echo "done $0"\nexit 7\n`, console: 'log' }));
  const e = await until(exitOf(pid), 60000);
  assert.deepEqual(e.info, { pid, kind: 'exited', status: 7 });
  assert.match(sink.text.get('bigscript') ?? '', /^done \/proc\/self\/fd\/\d+\n$/);
});

test('a missing binary is a spawn failure naming it, not a start and exit 127', () => {
  const res = port.spawn(req('missing', { argv: ['/usr/bin/no-such-daemon'] }));
  assert.equal(res.ok, false);
  if (!res.ok) {
    assert.deepEqual([res.stage, res.code], ['exec', 'ENOENT']);
    assert.match(res.message, /no-such-daemon/);
  }
});

test('expect stop: ready when the process stops itself, resume continues it', async () => {
  const pid = spawnOk(req('stopper', { argv: ['sh', '-c', 'kill -STOP $$; exit 4'], expect: { kind: 'stop' } }));
  const r = await until(readyOf(pid));
  assert.equal(r.pid, pid);
  port.resume(pid);
  assert.deepEqual((await until(exitOf(pid))).info, { pid, kind: 'exited', status: 4 });
});

for (const [kind, argv] of [
  ['fork', ['sh', '-c', 'sleep 0.4 & exit 0']],
  ['daemon', ['sh', '-c', '(sleep 0.4 &) ; exit 0']],
] as const) {
  test(`expect ${kind}: ptrace follows the forks, ready names the final pid, its exit is reported`, async () => {
    const spawned = spawnOk(req(`exp-${kind}`, { argv: [...argv], expect: { kind } }));
    const r = await until(readyOf(spawned));
    assert.notEqual(r.pid, spawned);
    const e = await until(exitOf(r.pid));
    assert.deepEqual(e.info, { pid: r.pid, kind: 'exited', status: 0 });
    assert.equal(exitOf(spawned)(), undefined, 'the exit of the forking parent is not reported');
  });
}

test('expect fork: a process that dies before forking is reported as the spawned pid', async () => {
  const spawned = spawnOk(req('exp-fail', { argv: ['sh', '-c', 'exit 9'], expect: { kind: 'fork' } }));
  assert.deepEqual((await until(exitOf(spawned))).info, { pid: spawned, kind: 'exited', status: 9 });
});

test('kill by signal name is reported as a killed exit; orphans go to onUnowned', async () => {
  const pid = spawnOk(req('victim', { argv: ['sh', '-c', '(sleep 0.2 & echo $! >/dev/null); exec sleep 30'] }));
  port.signal({ job: 'victim', instance: '' }, 'main', 'TERM', [pid]);
  assert.deepEqual((await until(exitOf(pid))).info, { pid, kind: 'killed', signal: 'TERM', core: false });
  await until(() => (unowned.length > 0 ? unowned : undefined));
  port.signal({ job: 'victim', instance: '' }, 'main', 'TERM', [999999999 & 0x3fffff]); // a missing process is ignored
});

test('runHelper: a helper program for the daemon itself; output and status collected, killed past its time, never an unowned exit', async () => {
  const before = unowned.length;
  const r = await port.runHelper(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], ['PATH=/usr/bin:/bin']);
  assert.deepEqual(r.exit.kind === 'exited' ? r.exit.status : r.exit, 3);
  assert.equal(r.output, 'out\nerr\n');
  const slow = await port.runHelper(['/bin/sleep', '30'], ['PATH=/usr/bin:/bin'], 200);
  assert.deepEqual(slow.exit.kind === 'killed' ? slow.exit.signal : slow.exit, 'KILL');
  await assert.rejects(port.runHelper(['/nonexistent/helper'], []), /nonexistent/);
  // Orphans of earlier tests may still arrive; none of the helpers' own ends (status 3, SIGKILL) may.
  const mine = unowned.slice(before).filter((u) => (u.info.kind === 'exited' && u.info.status === 3) || (u.info.kind === 'killed' && u.info.signal === 'KILL'));
  assert.deepEqual(mine, []);
});

/** The execed of a spawn by the id spawn returned (provisional for execLater). */
const execedOf = (id: number) => () => events.find((e): e is Extract<Event, { kind: 'execed' }> => e.kind === 'execed' && e.id === id);

/** An execLater spawn: its provisional id (never a pid). */
function spawnLater(r: SpawnRequest): number {
  const res = port.spawn({ ...r, execLater: true });
  assert.ok(res.ok && res.pending === true, JSON.stringify(res));
  assert.ok(res.pid <= 0, `a provisional id, not a pid: ${res.pid}`);
  return res.pid;
}

test('execLater: a provisional id at once, the pid with execed, which precedes every other event of the pid; output and script still reach the child', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 20; i++) ids.push(spawnLater(req(`later-${i}`, { console: i % 2 === 0 ? 'log' : 'none', script: `echo "run ${i}"\nexit ${i % 3}\n` })));
  assert.equal(new Set(ids).size, ids.length);
  assert.match(port.busy() ?? '', /not yet exec'd/);
  for (const [i, id] of ids.entries()) {
    const x = await until(execedOf(id));
    assert.ok(x.pid > 0);
    assert.equal(x.failure, undefined);
    const e = await until(exitOf(x.pid));
    assert.deepEqual(e.info, { pid: x.pid, kind: 'exited', status: i % 3 });
    assert.ok(events.indexOf(x) < events.indexOf(e), 'execed came first');
    if (i % 2 === 0) assert.equal(sink.text.get(`later-${i}`), `run ${i}\n`);
  }
  assert.doesNotMatch(port.busy() ?? '', /exec'd/);
});

test('execLater: a missing binary is a pending spawn whose execed carries the failure; its exit 127 follows', async () => {
  const id = spawnLater(req('later-missing', { argv: ['/usr/bin/no-such-daemon'], console: 'log' }));
  const x = await until(execedOf(id));
  assert.deepEqual([x.failure?.stage, x.failure?.code], ['exec', 'ENOENT']);
  assert.match(x.failure?.message ?? '', /no-such-daemon/);
  const e = await until(exitOf(x.pid));
  assert.deepEqual(e.info, { pid: x.pid, kind: 'exited', status: 127 });
  assert.ok(events.indexOf(x) < events.indexOf(e));
});

test('execLater: 500 `exec true` and missing binaries at once; each id one execed, then its own exit; none reported as unowned', async () => {
  const before = unowned.length;
  const ids: number[] = [];
  for (let i = 0; i < 500; i++) ids.push(spawnLater(req(`burst-${i}`, { argv: i % 10 === 0 ? ['/usr/bin/no-such-daemon'] : ['true'] })));
  const pids = new Set<number>();
  for (const [i, id] of ids.entries()) {
    const x = await until(execedOf(id));
    assert.equal(x.failure?.code, i % 10 === 0 ? 'ENOENT' : undefined);
    const e = await until(exitOf(x.pid));
    assert.deepEqual(e.info, { pid: x.pid, kind: 'exited', status: i % 10 === 0 ? 127 : 0 });
    assert.ok(events.indexOf(x) < events.indexOf(e), `execed of ${x.pid} before its exit`);
    pids.add(x.pid);
  }
  assert.equal(pids.size, ids.length);
  assert.deepEqual(unowned.slice(before).filter((u) => pids.has(u.pid)), []);
  assert.doesNotMatch(port.busy() ?? '', /exec'd/);
});

test('execLater: stopped at once, before the pid is known, many times: each gets its signal; nothing is left running', async () => {
  const targets = ['main', 'group', 'cgroup'] as const;
  const ids: number[] = [];
  for (let i = 0; i < 60; i++) {
    const inst = { job: `stopnow-${i}`, instance: '' };
    const id = spawnLater(req(inst.job, { script: 'exec sleep 30\n', console: i % 2 === 0 ? 'log' : 'none' }));
    port.signal(inst, targets[i % 3]!, 'TERM', [id]);
    ids.push(id);
  }
  // A kill by the id itself (resume, or the port's kill) waits for the pid too.
  const last = spawnLater(req('stopnow-kill', { script: 'exec sleep 30\n' }));
  port.kill(last, 'KILL');
  ids.push(last);
  const pids: number[] = [];
  for (const id of ids) {
    const x = await until(execedOf(id));
    const e = await until(exitOf(x.pid));
    assert.deepEqual(e.info, { pid: x.pid, kind: 'killed', signal: id === last ? 'KILL' : 'TERM', core: false });
    pids.push(x.pid);
  }
  for (const pid of pids) assert.throws(() => native.kill(pid, 0), /ESRCH/, `${pid} is gone`);
});

test('signalPending: a forced kill reaches spawns whose pid is not known yet (status cannot list them)', async () => {
  const ids = [spawnLater(req('forced-1', { script: 'exec sleep 30\n' })), spawnLater(req('forced-2', { script: 'exec sleep 30\n', console: 'log' }))];
  assert.equal(port.signalPending('KILL'), 2);
  for (const id of ids) {
    const x = await until(execedOf(id));
    assert.deepEqual((await until(exitOf(x.pid))).info, { pid: x.pid, kind: 'killed', signal: 'KILL', core: false });
  }
  assert.equal(port.signalPending('KILL'), 0);
});

test('kill never passes a non-positive number to kill(2): a provisional id that is no pending spawn is ignored', () => {
  const n = kills.length;
  for (const pid of [0, -1, -2, -process.pid, Number.NaN]) {
    port.kill(pid, 'TERM');
    port.kill(pid, 'TERM', true);
    port.signal({ job: 'none', instance: '' }, 'group', 'TERM', [pid]);
    port.resume(pid);
  }
  assert.deepEqual(kills.slice(n), []);
});

test('execLater is not used for expect fork/daemon/exit (synchronous as before)', () => {
  const res = port.spawn(req('later-exit', { execLater: true, argv: ['/usr/bin/no-such-daemon'], expect: { kind: 'exit', count: 1 } }));
  assert.equal(res.ok, false);
});

test('execLater is not used for expect CONDITION: its readiness event may come before an exec confirmation would', () => {
  // notification fd N and READY=1 are conditions on the `ready` event; one seen while the job waited
  // for its exec was lost, and the start waited for its ready timeout (CI, readinessMore.test.ts).
  const res = port.spawn(req('later-event', { execLater: true, argv: ['/usr/bin/no-such-daemon'], expect: { kind: 'event', condition: OWN_READY } }));
  assert.equal(res.ok, false);
});
