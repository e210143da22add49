// A job record's wire form in the re-exec state: every wait kind round-trips, environments go through one string table, and what older images wrote reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobFromWire, jobToWire, StringTable, type JobWire } from '../../../src/job/jobWire.ts';
import { upgradeSnapshotV1 } from '../../../src/job/snapshot.ts';
import { checkEngineSnapshot } from '../../../src/job/snapshotCheck.ts';
import type { JobRecord, Wait } from '../../../src/job/job.ts';
import type { ConditionState } from '../../../src/events/conditionState.ts';
import type { JobState } from '../../../src/model/state.ts';

function record(state: JobState, wait: Wait, pids: JobRecord['pids'] = {}): JobRecord {
  return { id: 1, name: 'j', instance: '', version: 1, goal: 'start', state, env: [], startEnv: [], stopEnv: [], wait, blocking: [], pids, failed: false, respawnCount: 0, respawnSince: 0 };
}

const cond = { value: false, node: { kind: 'event' } } as unknown as ConditionState;

test('every wait kind round-trips through the wire form, spelled as format 1 spells it', () => {
  const cases: Array<[JobRecord, Partial<JobWire>]> = [
    [record('waiting', { kind: 'none' }), {}],
    [record('starting', { kind: 'event', event: 9 }), { blocker: 9 }],
    [record('pre-start', { kind: 'tmpfiles' }), { tmpfilesPending: true }],
    [record('pre-start', { kind: 'process', process: 'pre-start' }, { 'pre-start': [5] }), {}],
    [record('post-stop', { kind: 'process', process: 'post-stop' }, { 'post-stop': [6] }), {}],
    [record('spawned', { kind: 'ready', by: 'port', deadline: 30 }, { main: [7] }), { awaitingReady: true, readyDeadline: 30 }],
    [record('spawned', { kind: 'ready', by: 'exits', exits: 1 }, { main: [7] }), { awaitingReady: true, readyExits: 1 }],
    [record('spawned', { kind: 'ready', by: 'condition', cond, deadline: 4 }, { main: [7] }), { awaitingReady: true, ready: cond, readyDeadline: 4 }],
    [record('killed', { kind: 'kill', deadline: 12 }, { main: [7] }), { killDeadline: 12 }],
    [record('killed', { kind: 'kill' }, { main: [7] }), {}],
  ];
  for (const [j, fields] of cases) {
    const w = jobToWire(j, new StringTable());
    assert.equal('wait' in w, false);
    const { wait: _wait, ...rest } = j;
    assert.deepEqual(w, { ...rest, ...fields }, j.wait.kind);
    assert.deepEqual(jobFromWire(JSON.parse(JSON.stringify(w)) as JobWire, []), JSON.parse(JSON.stringify(j)), `${j.state} ${j.wait.kind}`);
  }
});

test('older images wrote awaitingReady: false and tmpfilesPending: false once done: no wait', () => {
  const { wait: _w, ...rest } = record('running', { kind: 'none' }, { main: [7] });
  assert.deepEqual(jobFromWire({ ...rest, env: [], startEnv: [], stopEnv: [], awaitingReady: false, tmpfilesPending: false }, []).wait, { kind: 'none' });
});

test('environments are indexes into one table, each string once; they come back as they were', () => {
  const table = new StringTable();
  const a = { ...record('running', { kind: 'none' }, { main: [7] }), env: ['PATH=/usr/bin', 'HOME=/root', 'PORT=80'], startEnv: ['UPSTART_EVENTS=startup'], stopEnv: ['RESULT=ok', 'PATH=/usr/bin'] };
  const b = { ...a, id: 2, instance: 'x' };
  const wa = jobToWire(a, table);
  const wb = jobToWire(b, table);
  assert.deepEqual(wa.env, [0, 1, 2]);
  assert.deepEqual(wb.env, [0, 1, 2], 'the same strings once');
  assert.deepEqual(wa.stopEnv, [4, 0]);
  assert.equal(table.strings.length, 5);
  assert.deepEqual(jobFromWire(JSON.parse(JSON.stringify(wb)) as JobWire, JSON.parse(JSON.stringify(table.strings)) as string[]), b);
});

test('an engine snapshot of version 1 (environments spelt out) is upgraded to version 2 and passes its check; a bad index is named', () => {
  const { wait: _w, ...rest } = record('killed', { kind: 'kill', deadline: 12 }, { main: [7] });
  const v1job = { ...rest, version: 3, env: ['A=1', 'B=2'], startEnv: ['A=1'], killDeadline: 12 };
  const v1 = {
    version: 1, takenAt: 5, legacyConditions: false, classes: { j: { current: 3 } },
    versions: { 3: { version: 3, spec: { name: 'j' }, current: true } }, startConditions: {}, armed: [],
    jobs: [v1job], events: [], pending: [], finishing: [], work: [], registry: {}, jobEnv: [], nextId: 9, shuttingDown: false,
  };
  const v2 = checkEngineSnapshot(upgradeSnapshotV1(JSON.parse(JSON.stringify(v1))));
  assert.equal(v2.version, 2);
  assert.deepEqual(v2.strings, ['A=1', 'B=2']);
  const back = jobFromWire(v2.jobs[0]!, v2.strings);
  assert.deepEqual(back.env, ['A=1', 'B=2']);
  assert.deepEqual(back.wait, { kind: 'kill', deadline: 12 });
  const bad = JSON.parse(JSON.stringify(v2));
  bad.jobs[0].env[1] = 99;
  assert.throws(() => checkEngineSnapshot(bad), /engine\.jobs\[0\]\.env\[1\]: expected an index into strings \(0 to 1\)/);
});
