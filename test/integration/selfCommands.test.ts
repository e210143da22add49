// `start` / `stop` inside a job's own processes: without a job name they act on that job (init(5)); with one, on another job.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, descendants, INITCTL, startDaemon, waitForFile, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({});
  const dir = d.dir;
  // Main stops its own job, then would run for ever.
  d.writeJob('quitter', [
    'script',
    `  echo "$$" > ${dir}/quitter.pid`,
    `  ${INITCTL} stop`,
    '  exec sleep 6101',
    'end script',
    `post-stop exec sh -c 'echo "RESULT=$RESULT" > ${dir}/quitter.post-stop'`,
    '',
  ].join('\n'));
  // post-stop starts its own job again, once: the job comes back up.
  d.writeJob('phoenix', [
    `exec sh -c 'echo run >> ${dir}/phoenix.runs; exec sleep 6102'`,
    'post-stop script',
    `  if [ ! -e ${dir}/phoenix.once ]; then : > ${dir}/phoenix.once; ${INITCTL} start; echo "start said $?" > ${dir}/phoenix.start; fi`,
    'end script',
    '',
  ].join('\n'));
  // post-start starts another job by name and waits for it to run.
  d.writeJob('leader', [
    'exec sleep 6103',
    `post-start exec sh -c '${INITCTL} start follower > ${dir}/leader.post-start 2>&1'`,
    '',
  ].join('\n'));
  d.writeJob('follower', 'exec sleep 6104\n');
  // pre-stop stops another job by name.
  d.writeJob('sweeper', [
    'exec sleep 6105',
    `pre-stop exec sh -c '${INITCTL} stop follower > ${dir}/sweeper.pre-stop 2>&1'`,
    '',
  ].join('\n'));
  // An instance restarting itself from main: the same instance, a new process.
  d.writeJob('cycler', [
    'instance $K',
    'script',
    `  n=$(cat ${dir}/cycler-$K.n 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${dir}/cycler-$K.n`,
    `  if [ "$K" = a ] && [ $n -lt 3 ]; then ${INITCTL} restart; fi`,
    '  exec sleep 6106',
    'end script',
    '',
  ].join('\n'));
  await waitForStatus(d, 'cycler', 'stop/waiting');
});

after(async () => {
  await d?.stop();
});

test('main runs `initctl stop`: the job stops, its process is killed, the stop is not a failure', async () => {
  const r = await d.initctl(['start', '--no-wait', 'quitter']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await waitForFile(join(d.dir, 'quitter.post-stop')), 'RESULT=ok\n');
  await waitForStatus(d, 'quitter', 'stop/waiting');
  const pid = Number(readFileSync(join(d.dir, 'quitter.pid'), 'utf8'));
  await waitUntil('quitter to be gone', () => !alive(pid));
  assert.equal(descendants(d.proc.pid!).some((p) => readCmd(p) === 'sleep 6101'), false);
});

test('post-stop runs `initctl start`: the job comes back up', async () => {
  assert.equal((await d.initctl(['start', 'phoenix'])).code, 0);
  const first = await waitForStatus(d, 'phoenix', 'start/running');
  assert.equal((await d.initctl(['stop', '--no-wait', 'phoenix'])).code, 0);
  assert.equal(await waitForFile(join(d.dir, 'phoenix.start')), 'start said 0\n');
  const second = await waitUntil('phoenix to run again', async () => {
    const s = await waitForStatus(d, 'phoenix', 'start/running');
    return s.pid !== first.pid ? s : undefined;
  });
  assert.ok(alive(second.pid!));
  // Running means spawned: the new shell may not have written its line yet.
  await waitUntil('the second run to say so', () => readFileSync(join(d.dir, 'phoenix.runs'), 'utf8') === 'run\nrun\n');
  assert.equal((await d.initctl(['stop', 'phoenix'])).stdout, 'phoenix stop/waiting\n');
});

test('post-start starts another job by name and waits until it runs', async () => {
  const r = await d.initctl(['start', 'leader']);
  assert.equal(r.code, 0, r.stderr);
  const out = await waitForFile(join(d.dir, 'leader.post-start'));
  assert.match(out, /^follower start\/running, process \d+\n$/);
  await waitForStatus(d, 'follower', 'start/running');
  assert.equal((await d.initctl(['stop', 'leader'])).code, 0);
});

test('pre-stop stops another job by name', async () => {
  await waitForStatus(d, 'follower', 'start/running');
  assert.equal((await d.initctl(['start', 'sweeper'])).code, 0);
  assert.equal((await d.initctl(['stop', 'sweeper'])).stdout, 'sweeper stop/waiting\n');
  assert.equal(await waitForFile(join(d.dir, 'sweeper.pre-stop')), 'follower stop/waiting\n');
  await waitForStatus(d, 'follower', 'stop/waiting');
});

test('an instance runs `initctl restart` from main: the same instance restarts; others are untouched', async () => {
  assert.equal((await d.initctl(['start', 'cycler', 'K=b'])).code, 0);
  const b = await waitForStatus(d, 'cycler', 'start/running');
  assert.equal((await d.initctl(['start', 'cycler', 'K=a'])).code, 0);
  await waitUntil('cycler (a) to have run three times', () => {
    try {
      return readFileSync(join(d.dir, 'cycler-a.n'), 'utf8') === '3\n';
    } catch {
      return false;
    }
  });
  const st = await waitUntil('two running cyclers', async () => {
    const r = await d.initctl(['status', 'cycler']);
    return /^cycler \(a\) start\/running, process \d+\ncycler \(b\) start\/running, process \d+\n$/.test(r.stdout) ? r.stdout : '';
  });
  assert.match(st, new RegExp(`^cycler \\(b\\) start/running, process ${b.pid}$`, 'm'));
  assert.equal(readFileSync(join(d.dir, 'cycler-b.n'), 'utf8'), '1\n');
  assert.equal((await d.initctl(['stop', 'cycler', 'K=a'])).code, 0);
  assert.equal((await d.initctl(['stop', 'cycler', 'K=b'])).code, 0);
});

function readCmd(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
