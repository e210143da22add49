// ActionRuns: the refusals of planAction, and a run through a fake port (spawn, exit, result, the `action` event, one at a time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActionRuns, actionEventEnv, planAction, type ActionEngine } from '../../../src/daemon/actionRuns.ts';
import { parseJob } from '../../../src/config/parser.ts';
import { EngineError, type InstanceFacts, type JournalEntry } from '../../../src/model/engineApi.ts';
import type { JobClassSpec } from '../../../src/model/jobClass.ts';
import type { ExitInfo, ProcessEvents, ProcessPort, SpawnRequest } from '../../../src/process/port.ts';

function spec(text: string, name = 'web'): JobClassSpec {
  const r = parseJob(text, { file: `${name}.conf`, name });
  assert.deepEqual(r.errors, []);
  return r.spec!;
}

const WEB = spec('exec sleep 1\nsetuid www\nconsole none\naction rotate exec kill -HUP 1\n');
const running = (s: JobClassSpec = WEB): InstanceFacts => ({ spec: s, current: s, env: ['PATH=/bin', 'UPSTART_JOB=web', 'K=1'], goal: 'start', state: 'running' });
const req = (over: Partial<{ action: string; env: string[] }> = {}) => ({ job: 'web', action: 'rotate', env: [], wait: true, ...over });

function refused(fn: () => unknown, code: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof EngineError && e.code === code && re.test(e.message));
}

test('planAction: the spawn request has the job user, console and environment, with UPSTART_ACTION and the pairs last', () => {
  const r = planAction('web', '', running(), req({ env: ['K=2', 'X=y'] }), 'log', undefined);
  assert.equal(r.process, 'action');
  assert.equal(r.setuid, 'www');
  assert.equal(r.console, 'none');
  assert.deepEqual(r.argv, ['kill', '-HUP', '1']);
  assert.deepEqual(r.env, ['PATH=/bin', 'UPSTART_JOB=web', 'K=2', 'UPSTART_ACTION=rotate', 'X=y']);
});

test('planAction refuses a stopped job, a job between states, an unknown action, a busy one, bad pairs', () => {
  refused(() => planAction('web', '', undefined, req(), 'log', undefined), 'not-running', /^Job is not running: web/);
  refused(() => planAction('web', '', { ...running(), goal: 'stop', state: 'stopping' }, req(), 'log', undefined), 'not-running', /stop\/stopping/);
  refused(() => planAction('web', '', running(), req({ action: 'nope' }), 'log', undefined), 'unknown-action', /it has: rotate/);
  const newer = spec('exec sleep 1\naction rotate exec true\naction flush exec true\n');
  refused(() => planAction('web', '', { ...running(), current: newer }, req({ action: 'flush' }), 'log', undefined), 'unknown-action', /stop and start web to use it/);
  refused(() => planAction('web', '', running(), req(), 'log', 42), 'action-running', /process 42/);
  refused(() => planAction('web', '', running(), req({ env: ['novalue'] }), 'log', undefined), 'invalid', /KEY=VALUE/);
});

test('the action event says how it ended', () => {
  assert.deepEqual(actionEventEnv('web', 'a', 'rotate', { pid: 1, kind: 'exited', status: 0 }), ['JOB=web', 'INSTANCE=a', 'ACTION=rotate', 'RESULT=ok', 'EXIT_STATUS=0']);
  assert.deepEqual(actionEventEnv('web', '', 'rotate', { pid: 1, kind: 'exited', status: 3 }).slice(3), ['RESULT=failed', 'EXIT_STATUS=3']);
  assert.deepEqual(actionEventEnv('web', '', 'rotate', { pid: 1, kind: 'killed', signal: 'TERM', core: false }).slice(3), ['RESULT=failed', 'EXIT_SIGNAL=TERM']);
  assert.deepEqual(actionEventEnv('web', '', 'rotate', undefined).slice(3), ['RESULT=failed']);
});

class FakePort implements ProcessPort {
  spawned: SpawnRequest[] = [];
  killed: Array<[number, string]> = [];
  events: ProcessEvents | undefined;
  private next = 100;
  spawn(r: SpawnRequest) { this.spawned.push(r); return { ok: true as const, pid: this.next++ }; }
  signal(_inst: unknown, _target: unknown, signal: string, pids: readonly number[]) { for (const pid of pids) this.killed.push([pid, signal]); }
  resume() {}
  setEvents(e: ProcessEvents) { this.events = e; }
  exit(info: ExitInfo) { this.events!.exited(info); }
}

function harness() {
  const port = new FakePort();
  const emitted: Array<[string, string[]]> = [];
  const engineExits: ExitInfo[] = [];
  const subs = new Set<(e: JournalEntry) => void>();
  let facts: InstanceFacts | undefined = running();
  const engine: ActionEngine = {
    getClass: (n) => (n === 'web' ? WEB : undefined),
    instanceOf: () => '',
    instanceFacts: (j) => (j === 'web' ? facts : undefined),
    emit: async (name, env) => { emitted.push([name, env]); },
    subscribe: (fn) => { subs.add(fn); return () => subs.delete(fn); },
  };
  const runs = new ActionRuns({ engine: () => engine, defaultConsole: 'log', log: () => {} });
  const wrapped = runs.wrap(port);
  wrapped.setEvents({ exited: (i) => engineExits.push(i), ready: () => {}, execed: () => {}, adopted: () => true });
  const journal = (e: JournalEntry) => { for (const f of subs) f(e); };
  return { port, emitted, engineExits, runs, journal, setFacts: (f: InstanceFacts | undefined) => { facts = f; } };
}

test('a run: spawned, its exit goes to the runner (not the engine), resolves with the status, emits the event', async () => {
  const h = harness();
  const p = h.runs.run(req());
  assert.equal(h.port.spawned.length, 1);
  assert.deepEqual(h.runs.runningFor('web', ''), [{ action: 'rotate', pid: 100 }]);
  // The same action again while it runs: refused.
  await assert.rejects(h.runs.run(req()), (e: unknown) => e instanceof EngineError && e.code === 'action-running');
  h.port.exit({ pid: 999, kind: 'exited', status: 0 });
  h.port.exit({ pid: 100, kind: 'exited', status: 3 });
  const r = await p;
  assert.deepEqual(r, { job: 'web', instance: '', action: 'rotate', pid: 100, status: 3, exitStatus: 3, ended: true });
  assert.deepEqual(h.engineExits.map((e) => e.pid), [999]);
  assert.deepEqual(h.emitted, [['action', ['JOB=web', 'INSTANCE=', 'ACTION=rotate', 'RESULT=failed', 'EXIT_STATUS=3']]]);
  assert.deepEqual(h.runs.runningFor('web', ''), []);
  // Free again.
  const again = h.runs.run(req());
  h.port.exit({ pid: 101, kind: 'killed', signal: 'TERM', core: false });
  assert.equal((await again).exitStatus, 128 + 15);
});

test('an instance killed while its action runs sends the job kill signal to the action, and KILL once gone', async () => {
  const h = harness();
  const p = h.runs.run(req());
  h.journal({ t: 0, wall: 0, kind: 'state', job: 'web', instance: '', goal: 'stop', state: 'killed' });
  h.journal({ t: 0, wall: 0, kind: 'state', job: 'other', instance: '', goal: 'stop', state: 'waiting' });
  h.journal({ t: 0, wall: 0, kind: 'state', job: 'web', instance: '', goal: 'stop', state: 'waiting' });
  assert.deepEqual(h.port.killed, [[100, 'TERM'], [100, 'KILL']]);
  h.port.exit({ pid: 100, kind: 'killed', signal: 'KILL', core: false });
  assert.equal((await p).signal, 'KILL');
});

test('without wait: answered once spawned', async () => {
  const h = harness();
  const r = await h.runs.run({ ...req(), wait: false });
  assert.equal(r.ended, false);
  assert.equal(r.exitStatus, 0);
  await assert.rejects(h.runs.run({ ...req(), job: 'nope' }), (e: unknown) => e instanceof EngineError && e.code === 'unknown-job');
  h.setFacts(undefined);
});
