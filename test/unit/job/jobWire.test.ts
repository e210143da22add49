// The wait's wire form in the re-exec state: every kind round-trips, and what older images wrote reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobFromWire, jobToWire, type JobWire } from '../../../src/job/jobWire.ts';
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
    const w = jobToWire(j);
    assert.equal('wait' in w, false);
    const { wait: _wait, ...rest } = j;
    assert.deepEqual(w, { ...rest, ...fields }, j.wait.kind);
    assert.deepEqual(jobFromWire(JSON.parse(JSON.stringify(w)) as JobWire), JSON.parse(JSON.stringify(j)), `${j.state} ${j.wait.kind}`);
  }
});

test('older images wrote awaitingReady: false and tmpfilesPending: false once done: no wait', () => {
  const { wait: _w, ...rest } = record('running', { kind: 'none' }, { main: [7] });
  assert.deepEqual(jobFromWire({ ...rest, awaitingReady: false, tmpfilesPending: false }).wait, { kind: 'none' });
});
