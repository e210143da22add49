// A pre-start script that runs `initctl stop` (no job name: its own job, via UPSTART_JOB) cancels the start.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INITCTL, startDaemon, waitForFile, waitForStatus, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({});
  const dir = d.dir;
  d.writeJob('gated', [
    'start on go-gated',
    'pre-start script',
    `  echo "pre-start of $UPSTART_JOB" > ${dir}/pre-start.out`,
    `  ${INITCTL} stop`,
    `  echo "stop returned $?" >> ${dir}/pre-start.out`,
    'end script',
    `exec sh -c 'echo main ran > ${dir}/main.out; exec sleep 600'`,
    `post-start exec sh -c 'echo post-start ran > ${dir}/post-start.out'`,
    '',
  ].join('\n'));
  // The same, started by a command instead of an event, as an instance.
  d.writeJob('gated-inst', [
    'instance $N',
    'pre-start script',
    `  ${INITCTL} stop || echo "stop failed $?" > ${dir}/inst-stop-failed.out`,
    `  echo "stopped $UPSTART_INSTANCE" > ${dir}/inst-$N.out`,
    'end script',
    `exec sh -c 'echo main ran > ${dir}/inst-main.out; exec sleep 600'`,
    '',
  ].join('\n'));
  await waitForStatus(d, 'gated-inst', 'stop/waiting');
});

after(async () => {
  await d?.stop();
});

test('start: pre-start stops its own job; the start returns, the job rests at stop/waiting, main never ran', async () => {
  const r = await d.initctl(['start', 'gated']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'gated stop/waiting\n');
  assert.equal(await waitForFile(join(d.dir, 'pre-start.out')), 'pre-start of gated\nstop returned 0\n');
  await waitForStatus(d, 'gated', 'stop/waiting');
  assert.equal(existsSync(join(d.dir, 'main.out')), false, 'main must not run');
  assert.equal(existsSync(join(d.dir, 'post-start.out')), false, 'post-start must not run');
});

test('emit: the event that started it completes; the job is not failed', async () => {
  const r = await d.initctl(['emit', 'go-gated']);
  assert.equal(r.code, 0, r.stderr);
  await waitForStatus(d, 'gated', 'stop/waiting');
  assert.equal(existsSync(join(d.dir, 'main.out')), false, 'main must not run');
});

test('an instance stopping itself from pre-start: only that instance, main never runs', async () => {
  const r = await d.initctl(['start', 'gated-inst', 'N=one']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await waitForFile(join(d.dir, 'inst-one.out')), 'stopped one\n');
  assert.equal(existsSync(join(d.dir, 'inst-stop-failed.out')), false, existsSync(join(d.dir, 'inst-stop-failed.out')) ? readFileSync(join(d.dir, 'inst-stop-failed.out'), 'utf8') : '');
  const s = await d.initctl(['status', 'gated-inst']);
  assert.equal(s.stdout, 'gated-inst stop/waiting\n');
  assert.equal(existsSync(join(d.dir, 'inst-main.out')), false, 'main must not run');
});
