// The whole next-state table of init(8), plus security and the respawn goal, checked cell by cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextState } from '../../../src/job/nextState.ts';
import { GOALS, STATES, type Goal, type JobState } from '../../../src/model/state.ts';

// [state, goal, mainAlive] → next; `-` = no transition.
const TABLE: Record<JobState, Record<Goal, [string, string]>> = {
  waiting: { start: ['starting', 'starting'], stop: ['-', '-'], respawn: ['starting', 'starting'] },
  starting: { start: ['security', 'security'], stop: ['stopping', 'stopping'], respawn: ['stopping', 'stopping'] },
  security: { start: ['pre-start', 'pre-start'], stop: ['stopping', 'stopping'], respawn: ['stopping', 'stopping'] },
  'pre-start': { start: ['spawned', 'spawned'], stop: ['stopping', 'stopping'], respawn: ['stopping', 'stopping'] },
  spawned: { start: ['post-start', 'post-start'], stop: ['stopping', 'stopping'], respawn: ['stopping', 'stopping'] },
  'post-start': { start: ['running', 'running'], stop: ['stopping', 'stopping'], respawn: ['stopping', 'stopping'] },
  // [main alive, main dead]
  running: { start: ['stopping', 'stopping'], stop: ['pre-stop', 'stopping'], respawn: ['pre-stop', 'stopping'] },
  'pre-stop': { start: ['running', 'running'], stop: ['stopping', 'stopping'], respawn: ['stopping', 'stopping'] },
  stopping: { start: ['killed', 'killed'], stop: ['killed', 'killed'], respawn: ['killed', 'killed'] },
  killed: { start: ['post-stop', 'post-stop'], stop: ['post-stop', 'post-stop'], respawn: ['post-stop', 'post-stop'] },
  'post-stop': { start: ['starting', 'starting'], stop: ['waiting', 'waiting'], respawn: ['starting', 'starting'] },
};

for (const state of STATES) {
  for (const goal of GOALS) {
    for (const alive of [true, false]) {
      test(`${state} with goal ${goal}, main ${alive ? 'alive' : 'dead'}`, () => {
        const want = TABLE[state][goal][alive ? 0 : 1];
        assert.equal(nextState(state, goal, alive) ?? '-', want);
      });
    }
  }
}

test('every state is covered by the table', () => {
  assert.deepEqual(Object.keys(TABLE).sort(), [...STATES].sort());
});
