// oom_score_adj: lowering below the daemon's own needs CAP_SYS_RESOURCE (CapEff bit 24); raising never does.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { hasSysResource, oomScoreAllowed, resetOomScoreCache } from '../../../src/process/oomScore.ts';

const DOCKER = 'Name:\tnode\nCapEff:\t000001fffeffffff\n'; // a default docker container: no CAP_SYS_RESOURCE
const ROOT = 'Name:\tnode\nCapEff:\t000001ffffffffff\n';

beforeEach(() => resetOomScoreCache());

test('CapEff bit 24 is CAP_SYS_RESOURCE', () => {
  assert.equal(hasSysResource(ROOT), true);
  assert.equal(hasSysResource(DOCKER), false);
  assert.equal(hasSysResource('CapEff:\t0000000001000000\n'), true);
  assert.equal(hasSysResource('no such line\n'), false);
});

test('without the capability only scores at or above the daemon own are allowed', () => {
  const read = (p: string): string => (p.endsWith('oom_score_adj') ? '100\n' : DOCKER);
  assert.equal(oomScoreAllowed(-1000, read), false);
  assert.equal(oomScoreAllowed(99, read), false);
  assert.equal(oomScoreAllowed(100, read), true);
  assert.equal(oomScoreAllowed(1000, read), true);
});

test('with it, any score; without /proc the child is left to try', () => {
  assert.equal(oomScoreAllowed(-1000, (p) => (p.endsWith('oom_score_adj') ? '0\n' : ROOT)), true);
  resetOomScoreCache();
  assert.equal(oomScoreAllowed(-1000, () => { throw new Error('ENOENT'); }), true);
});
