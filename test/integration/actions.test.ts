// Custom actions end to end: `initctl action JOB NAME` (C and Node clients) runs the job's action, returns its status, emits `action`.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/control/client.ts';
import { ROOT, run, startDaemon, waitForFile, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({});
  const dir = d.dir;
  d.writeJob('rot', [
    'exec sleep 6201',
    'action rotate script',
    `  touch ${dir}/rotated`,
    `  echo "FOO=$FOO K=$K UPSTART_ACTION=$UPSTART_ACTION" > ${dir}/rotate.env`,
    `  cat /proc/self/cgroup > ${dir}/rotate.cgroup`,
    '  exit 3',
    'end script',
    'action hold script',
    `  touch ${dir}/hold.started`,
    `  while [ ! -e ${dir}/hold.release ]; do sleep 0.05; done`,
    'end script',
    '',
  ].join('\n'));
  // Reacts to the action's event.
  d.writeJob('watcher', [
    'start on action JOB=rot ACTION=rotate',
    'task',
    `exec sh -c 'echo "RESULT=$RESULT EXIT_STATUS=$EXIT_STATUS" >> ${dir}/watched'`,
    '',
  ].join('\n'));
  await waitForStatus(d, 'watcher', 'stop/waiting');
});

after(async () => {
  await d?.stop();
});

/** The Node client (src/cli/initctl.ts), as users without the C client run it. */
function nodeInitctl(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/initctl.ts'), ...args], {
    UPSTART_SESSION: `unix:path=${d.socket}`, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined,
  });
}

test('on a stopped job the action is refused, and nothing runs', async () => {
  const r = await d.initctl(['action', 'rot', 'rotate']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'initctl: Job is not running: rot (actions run only while the job runs; start it first)\n');
  assert.equal(existsSync(join(d.dir, 'rotated')), false);
  const unknown = await d.initctl(['action', 'nojob', 'rotate']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'initctl: Unknown job: nojob\n');
});

test('initctl action rot rotate returns 3, the file exists, a watching job saw EXIT_STATUS=3', async () => {
  assert.equal((await d.initctl(['start', 'rot', 'FOO=bar'])).code, 0);
  const main = (await waitForStatus(d, 'rot', 'start/running')).pid!;
  const r = await d.initctl(['action', 'rot', 'rotate', 'K=5']);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, '');
  assert.ok(existsSync(join(d.dir, 'rotated')));
  assert.equal(await waitForFile(join(d.dir, 'watched')), 'RESULT=failed EXIT_STATUS=3\n');
  // The instance's variables, the pairs given, the action's name; the job's own cgroup.
  assert.equal(readFileSync(join(d.dir, 'rotate.env'), 'utf8'), 'FOO=bar K=5 UPSTART_ACTION=rotate\n');
  assert.equal(readFileSync(join(d.dir, 'rotate.cgroup'), 'utf8'), readFileSync(`/proc/${main}/cgroup`, 'utf8'));
  // The job itself carried on.
  assert.equal((await waitForStatus(d, 'rot', 'start/running')).pid, main);
});

test('the Node client and the `initctl rotate rot` shorthand return the status too', async () => {
  await waitForStatus(d, 'rot', 'start/running');
  const node = await nodeInitctl(['action', 'rot', 'rotate']);
  assert.equal(node.code, 3, node.stderr);
  const short = await d.initctl(['rotate', 'rot']);
  assert.equal(short.code, 3, short.stderr);
  const bad = await d.initctl(['action', 'rot', 'nope']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'initctl: Unknown action: nope of rot (it has: rotate, hold)\n');
  // A word that is neither a command nor an action stays Upstart's usage error.
  const frob = await d.initctl(['frob', 'rot']);
  assert.equal(frob.code, 1);
  assert.match(frob.stderr, /^initctl: invalid command: frob\n/);
});

test('the same action twice at once: the second is refused while the first runs', async () => {
  await waitForStatus(d, 'rot', 'start/running');
  const first = d.initctl(['action', 'rot', 'hold']);
  await waitUntil('hold to start', () => existsSync(join(d.dir, 'hold.started')));
  const second = await d.initctl(['action', 'rot', 'hold']);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^initctl: Action already running: hold of rot \(process \d+\)/);
  const status = JSON.parse((await d.initctl(['status', '--json', 'rot'])).stdout) as Array<{ actions: string[]; runningActions: Array<{ action: string }> }>;
  assert.deepEqual(status[0]!.actions, ['rotate', 'hold']);
  assert.deepEqual(status[0]!.runningActions.map((a) => a.action), ['hold']);
  writeFileSync(join(d.dir, 'hold.release'), '');
  assert.equal((await first).code, 0);
});

test('show-config lists the actions; --json too', async () => {
  const text = await d.initctl(['show-config', 'rot']);
  assert.equal(text.stdout, 'rot\n  action rotate\n  action hold\n');
  const json = JSON.parse((await d.initctl(['show-config', '--json', 'rot'])).stdout) as Array<{ actions?: string[] }>;
  assert.deepEqual(json[0]!.actions, ['rotate', 'hold']);
});

test('over the JSON protocol: the action request answers with how it ended, or a typed error', async () => {
  await waitForStatus(d, 'rot', 'start/running');
  const c = await connect(d.socket);
  try {
    const r = await c.action('rot', 'rotate');
    assert.equal(r.status, 3);
    assert.equal(r.exitStatus, 3);
    assert.equal(r.ended, true);
    await assert.rejects(c.action('rot', 'nope'), (e: Error & { code?: string }) => e.code === 'unknown-action');
    await waitForStatus(d, 'watcher', 'stop/waiting');
    await assert.rejects(c.action('watcher', 'rotate'), (e: Error & { code?: string }) => e.code === 'not-running');
  } finally {
    c.close();
  }
});
