// respawn: a killed service comes back with a new pid; `respawn limit` stops a crash loop with RESULT=failed PROCESS=respawn.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { alive, cmdline, startDaemon, waitForFile, waitForStatus, waitUntil, jobStatus, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({
    svc: 'respawn\nexec sleep 600\n',
    crasher: 'respawn\nrespawn limit 3 5\nexec sh -c "exit 1"\n',
    // Sees how crasher ended (a second job started by its stopped event).
    'crash-watch': [
      'start on stopped crasher RESULT=failed',
      'task',
      'script',
      '  echo "PROCESS=$PROCESS RESULT=$RESULT EXIT_STATUS=${EXIT_STATUS-unset} EXIT_SIGNAL=${EXIT_SIGNAL-unset}" > "$OUT"',
      'end script',
      '',
    ].join('\n'),
  });
  const r = await d.initctl(['set-env', `OUT=${join(d.dir, 'crash-watch.out')}`]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d?.stop();
});

test('a respawning service killed with SIGKILL runs again under a new pid', async () => {
  const r = await d.initctl(['start', 'svc']);
  assert.equal(r.code, 0, r.stderr);
  const first = await waitForStatus(d, 'svc', 'start/running');
  assert.ok(first.pid !== undefined, first.line);
  process.kill(first.pid, 'SIGKILL');
  const second = await waitUntil('a new svc pid', async () => {
    const s = await jobStatus(d, 'svc');
    return s.state === 'running' && s.pid !== undefined && s.pid !== first.pid ? s : undefined;
  });
  assert.equal(second.goal, 'start');
  assert.deepEqual(cmdline(second.pid!), ['sleep', '600']);
  await waitUntil('the old pid to be gone', () => !alive(first.pid!));
  // Twice more: the default limit (10 in 5 s) is far away.
  process.kill(second.pid!, 'SIGKILL');
  const third = await waitUntil('a third svc pid', async () => {
    const s = await jobStatus(d, 'svc');
    return s.state === 'running' && s.pid !== undefined && s.pid !== second.pid ? s : undefined;
  });
  assert.ok(alive(third.pid!));
  const stop = await d.initctl(['stop', 'svc']);
  assert.equal(stop.stdout, 'svc stop/waiting\n');
  await waitUntil('the last svc pid to be gone', () => !alive(third.pid!));
});

test('respawn limit 3 5 on a job that exits 1 at once: stop/waiting, stopped with RESULT=failed PROCESS=respawn', async () => {
  const r = await d.initctl(['start', '--no-wait', 'crasher']);
  assert.equal(r.code, 0, r.stderr);
  const seen = await waitForFile(join(d.dir, 'crash-watch.out'));
  assert.equal(seen, 'PROCESS=respawn RESULT=failed EXIT_STATUS=1 EXIT_SIGNAL=unset\n');
  await waitForStatus(d, 'crasher', 'stop/waiting');
  // Four runs: the first and three respawns; the fourth exit hits the limit.
  const ev = await d.initctl(['events', '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const entries = ev.stdout.trim().split('\n').map((l) => JSON.parse(l)) as Array<{ kind: string; job?: string; process?: string; name?: string; env?: string[] }>;
  const spawns = entries.filter((e) => e.kind === 'spawn' && e.job === 'crasher' && e.process === 'main');
  assert.equal(spawns.length, 4);
  const stopped = entries.filter((e) => e.kind === 'event' && e.name === 'stopped' && e.env?.includes('JOB=crasher'));
  assert.equal(stopped.length, 1, JSON.stringify(stopped));
  assert.ok(stopped[0]!.env!.includes('RESULT=failed') && stopped[0]!.env!.includes('PROCESS=respawn'), JSON.stringify(stopped[0]));
});
