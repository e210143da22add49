// `initctl emit --no-wait` returns at once while the jobs it starts still run; without it, emit waits for them.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitForFile, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({});
  const dir = d.dir;
  d.writeJob('gated', [
    'start on slow-event',
    'task',
    'script',
    `  while [ ! -e ${dir}/gate-$GATE ]; do sleep 0.05; done`,
    `  echo "done $GATE" > ${dir}/done-$GATE`,
    'end script',
    '',
  ].join('\n'));
  await waitForStatus(d, 'gated', 'stop/waiting');
});

after(async () => {
  await d?.stop();
});

test('emit --no-wait returns while the task it started is still running', async () => {
  const r = await d.initctl(['emit', '--no-wait', 'slow-event', 'GATE=1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  await waitForStatus(d, 'gated', 'start/running');
  writeFileSync(join(d.dir, 'gate-1'), '');
  assert.equal(await waitForFile(join(d.dir, 'done-1')), 'done 1\n');
  await waitForStatus(d, 'gated', 'stop/waiting');
});

test('emit without --no-wait returns only once the task has finished', async () => {
  let returned = false;
  const emitted = d.initctl(['emit', 'slow-event', 'GATE=2']).then((r) => { returned = true; return r; });
  await waitForStatus(d, 'gated', 'start/running');
  assert.equal(returned, false, 'emit returned while its task was running');
  writeFileSync(join(d.dir, 'gate-2'), '');
  const r = await emitted;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await waitForFile(join(d.dir, 'done-2')), 'done 2\n');
  assert.equal((await d.initctl(['status', 'gated'])).stdout, 'gated stop/waiting\n');
});

test('emit --no-wait of an event that fails a job still exits 0', async () => {
  d.writeJob('fails', 'start on fail-event\ntask\nexec false\n');
  await waitForStatus(d, 'fails', 'stop/waiting');
  const r = await d.initctl(['emit', '--no-wait', 'fail-event']);
  assert.equal(r.code, 0, r.stderr);
  // The task started by the first emit must have failed and stopped, or the second emit finds it still running
  // (a loaded machine) and starts nothing, so there would be no failure for it to report.
  await waitUntil('the first failure of fails', async () => {
    const events = (await d.initctl(['events', '--json'])).stdout.trim().split('\n').filter((l) => l !== '');
    return events.some((l) => {
      const e = JSON.parse(l) as { kind: string; name?: string; env?: string[] };
      return e.kind === 'event' && e.name === 'stopped' && e.env?.includes('JOB=fails') === true;
    }) || undefined;
  });
  const w = await d.initctl(['emit', 'fail-event']);
  assert.notEqual(w.code, 0);
});
