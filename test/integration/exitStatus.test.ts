// EXIT_STATUS / EXIT_SIGNAL, RESULT and PROCESS on every stop (DESIGN §3.2), seen by post-stop and by a `start on stopped` job.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitForFile, waitForStatus, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

const REPORT = 'RESULT=$RESULT PROCESS=${PROCESS-unset} EXIT_STATUS=${EXIT_STATUS-unset} EXIT_SIGNAL=${EXIT_SIGNAL-unset}';
const postStop = (name: string): string => `post-stop exec sh -c 'echo "${REPORT}" > "$OUT/post-stop-${name}"'\n`;

/** Each job and how it ends; `expected` is what post-stop and the stopped event both report. */
const CASES: Array<{ name: string; body: string; how: 'start' | 'start-stop' | 'start-kill'; expected: string }> = [
  { name: 'exits-3', body: 'exec sh -c "exit 3"\n', how: 'start', expected: 'RESULT=failed PROCESS=main EXIT_STATUS=3 EXIT_SIGNAL=unset' },
  { name: 'task-ok', body: 'task\nexec true\n', how: 'start', expected: 'RESULT=ok PROCESS=main EXIT_STATUS=0 EXIT_SIGNAL=unset' },
  { name: 'stopped', body: 'exec sleep 600\n', how: 'start-stop', expected: 'RESULT=ok PROCESS=main EXIT_STATUS=unset EXIT_SIGNAL=TERM' },
  { name: 'killed', body: 'exec sleep 600\n', how: 'start-kill', expected: 'RESULT=failed PROCESS=main EXIT_STATUS=unset EXIT_SIGNAL=KILL' },
  { name: 'normal-exit', body: 'normal exit 4\nexec sh -c "exit 4"\n', how: 'start', expected: 'RESULT=ok PROCESS=main EXIT_STATUS=4 EXIT_SIGNAL=unset' },
  { name: 'pre-start-fails', body: 'pre-start exec sh -c "exit 7"\nexec sleep 600\n', how: 'start', expected: 'RESULT=failed PROCESS=pre-start EXIT_STATUS=7 EXIT_SIGNAL=unset' },
  { name: 'post-start-killed', body: 'post-start exec sh -c "kill -USR1 \\$\\$"\nexec sleep 600\n', how: 'start', expected: 'RESULT=failed PROCESS=post-start EXIT_STATUS=unset EXIT_SIGNAL=USR1' },
];

before(async () => {
  const jobs: Record<string, string> = {};
  for (const c of CASES) jobs[c.name] = c.body + postStop(c.name);
  // One watcher per job: `stopped A or stopped B` would stay true after the first stop (DESIGN §3.1).
  for (const c of CASES) {
    jobs[`watch-${c.name}`] = `start on stopped ${c.name}\ntask\nexec sh -c 'echo "${REPORT}" > "$OUT/stopped-$JOB"'\n`;
  }
  d = await startDaemon(jobs);
  const r = await d.initctl(['set-env', `OUT=${d.dir}`]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d?.stop();
});

for (const c of CASES) {
  test(`${c.name}: post-stop and the stopped event see ${c.expected}`, async () => {
    rmSync(join(d.dir, `post-stop-${c.name}`), { force: true });
    rmSync(join(d.dir, `stopped-${c.name}`), { force: true });
    if (c.how === 'start') {
      await d.initctl(['start', c.name]);
    } else {
      const r = await d.initctl(['start', c.name]);
      assert.equal(r.code, 0, r.stderr);
      const s = await waitForStatus(d, c.name, 'start/running');
      if (c.how === 'start-stop') assert.equal((await d.initctl(['stop', c.name])).code, 0);
      else process.kill(s.pid!, 'SIGKILL');
    }
    assert.equal(await waitForFile(join(d.dir, `post-stop-${c.name}`)), `${c.expected}\n`);
    assert.equal(await waitForFile(join(d.dir, `stopped-${c.name}`)), `${c.expected}\n`);
    await waitForStatus(d, c.name, 'stop/waiting');
  });
}
