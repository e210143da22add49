// The `cgroup` stanza without job cgroups (--no-cgroups): the job does not run unconfined; the reason is in its stopped event and the log.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startDaemon, waitForFile, waitForStatus, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({
    limited: 'cgroup memory memory.max 64M\nexec sleep 600\n',
    plain: 'exec sleep 600\n',
    watch: `start on stopped limited\ntask\nexec sh -c 'echo "RESULT=$RESULT PROCESS=$PROCESS SPAWN_ERROR=$SPAWN_ERROR" > "$OUT/stopped-limited"'\n`,
  }, { args: ['--no-cgroups'] });
  assert.equal((await d.initctl(['set-env', `OUT=${d.dir}`])).code, 0);
});

after(async () => {
  await d?.stop();
});

test('a job with a cgroup limit fails to start when there are no job cgroups, naming the stanza and why', async () => {
  const r = await d.initctl(['start', 'limited']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cgroup memory: the job's cgroup stanzas need a job cgroup, and there is none \(job cgroups are off \(--no-cgroups\)\)/);
  assert.equal(await waitForFile(join(d.dir, 'stopped-limited')),
    "RESULT=failed PROCESS=main SPAWN_ERROR=main process: cgroup: cgroup memory: the job's cgroup stanzas need a job cgroup, and there is none (job cgroups are off (--no-cgroups))\n");
  await waitForStatus(d, 'limited', 'stop/waiting');
  assert.match(d.stderr(), /Failed to spawn limited main process: cgroup: cgroup memory: the job's cgroup stanzas need a job cgroup/);
  // Jobs without the stanza are not affected.
  assert.equal((await d.initctl(['start', 'plain'])).code, 0);
  await waitForStatus(d, 'plain', 'start/running');
  assert.equal((await d.initctl(['stop', 'plain'])).code, 0);
});
