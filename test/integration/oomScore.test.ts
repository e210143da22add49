// `oom score` through the real daemon: applied where the daemon may; where it may not (a container), the job still runs and the daemon says why.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasSysResource } from '../../src/process/oomScore.ts';
import { startDaemon, waitForFile, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({ lowered: 'oom score -500\nexec sh -c \'cat /proc/self/oom_score_adj > "$OUT"; exec sleep 6701\'\n' });
});
after(async () => {
  await d?.stop();
});

test('oom score -500: applied with CAP_SYS_RESOURCE; otherwise the job runs with the inherited score and a warning', async () => {
  const out = join(d.dir, 'lowered.score');
  const r = await d.initctl(['start', 'lowered', `OUT=${out}`]);
  assert.equal(r.code, 0, r.stderr);
  const score = (await waitForFile(out)).trim();
  const privileged = hasSysResource(readFileSync('/proc/self/status', 'utf8'));
  const own = readFileSync('/proc/self/oom_score_adj', 'utf8').trim();
  if (privileged || Number(own) <= -500) {
    assert.equal(score, '-500');
  } else {
    assert.equal(score, own);
    await waitUntil('the warning in the daemon log', () => d.stderr().includes('lowered: oom score -500 not applied: lowering it needs CAP_SYS_RESOURCE'));
  }
  assert.match((await d.initctl(['status', 'lowered'])).stdout, /^lowered start\/running, process \d+\n$/);
});
