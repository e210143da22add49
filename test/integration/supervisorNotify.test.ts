// upstart-ts as a job of upstart-ts with `expect ready`: the inner init says READY=1 once it answers, and keeps NOTIFY_SOCKET from its jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INITCTL, ROOT, UPSTART, run, startDaemon, waitForStatus, waitUntil } from './harness.ts';

const skip = existsSync(join(ROOT, 'dist/bundle/upstart.cjs')) ? false : 'dist is not built (npm run build:ts)';

test('an inner session init with expect ready: start returns once it answers; its jobs do not get the outer NOTIFY_SOCKET; stop is clean', { skip, timeout: 120_000 }, async () => {
  const outer = await startDaemon({});
  const inner = join(outer.dir, 'inner');
  const innerSocket = join(inner, 'sock');
  const innerCtl = (args: string[]) => run(INITCTL, args, { UPSTART_SESSION: `unix:path=${innerSocket}`, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined });
  try {
    // The inner init's jobs, there before it starts.
    mkdirSync(join(inner, 'conf'), { recursive: true });
    writeFileSync(join(inner, 'conf', 'svc.conf'), 'start on startup\nexec sleep 300\n');
    writeFileSync(join(inner, 'conf', 'envdump.conf'), 'task\nexec sh -c "echo NOTIFY_SOCKET=${NOTIFY_SOCKET:-none}"\n');
    outer.writeJob('inner', `expect ready\nexec ${process.execPath} ${UPSTART} --user --confdir ${join(inner, 'conf')} --logdir ${inner} --socket ${innerSocket}\n`);
    await waitForStatus(outer, 'inner', 'stop/waiting');
    // Without READY=1 from the inner init this waits for the ready timeout (90 s) and fails.
    const started = await outer.initctl(['start', 'inner']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^inner start\/running, process \d+\n$/);
    // Ready means answering: the inner init's socket works at once (its startup jobs may still be starting).
    assert.match((await innerCtl(['status', 'svc'])).stdout, /^svc start\/(waiting|starting|security|pre-start|spawned|post-start|running)(, process \d+)?\n$/);
    await waitUntil('the inner init\'s svc to run', async () => /^svc start\/running, process \d+\n$/.test((await innerCtl(['status', 'svc'])).stdout));
    assert.equal((await innerCtl(['start', 'envdump'])).code, 0);
    assert.equal(readFileSync(join(inner, 'envdump.log'), 'utf8'), 'NOTIFY_SOCKET=none\n');
    const stopped = await outer.initctl(['stop', 'inner']);
    assert.equal(stopped.stdout, 'inner stop/waiting\n');
    assert.match((await outer.initctl(['events'])).stdout, /event stopped JOB=inner INSTANCE= RESULT=ok PROCESS=main EXIT_STATUS=0\n/);
    await waitUntil('the inner init\'s socket to go', () => !existsSync(innerSocket));
  } finally {
    await outer.stop();
  }
});
