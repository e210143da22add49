// Job files added, edited and removed while the daemon runs: the watcher, `initctl reload-configuration` and SIGHUP.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, cmdline, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({ base: 'exec sleep 600\n' });
});

after(async () => {
  await d?.stop();
});

const listed = async (job: string): Promise<boolean> => new RegExp(`^${job} `, 'm').test((await d.initctl(['list'])).stdout);

test('a job file added while running appears in initctl list and can be started', async () => {
  assert.equal(await listed('fresh'), false);
  d.writeJob('fresh', 'exec sleep 601\n');
  await waitUntil('fresh to be listed', () => listed('fresh'));
  const r = await d.initctl(['start', 'fresh']);
  assert.equal(r.code, 0, r.stderr);
  const s = await waitForStatus(d, 'fresh', 'start/running');
  assert.deepEqual(cmdline(s.pid!), ['sleep', '601']);
  assert.equal((await d.initctl(['stop', 'fresh'])).code, 0);
});

test('a job added in a new subdirectory appears under its path name', async () => {
  d.writeJob('sub/dir/deep', 'exec sleep 600\n');
  await waitUntil('sub/dir/deep to be listed', () => listed('sub/dir/deep'));
});

test('an edited job takes effect at the next start; the running instance keeps its old config', async () => {
  d.writeJob('edited', 'exec sleep 602\n');
  await waitUntil('edited to be listed', () => listed('edited'));
  assert.equal((await d.initctl(['start', 'edited'])).code, 0);
  const old = await waitForStatus(d, 'edited', 'start/running');
  assert.deepEqual(cmdline(old.pid!), ['sleep', '602']);
  d.writeJob('edited', 'start on never-emitted\nexec sleep 603\n');
  await waitUntil('the edit to load', async () => (await d.initctl(['show-config', 'edited'])).stdout === 'edited\n  start on never-emitted\n');
  // Still the old process, marked as running an old definition (drift, docs/actions.md); a restart keeps it too.
  assert.equal((await d.initctl(['status', 'edited'])).stdout, `edited start/running, process ${old.pid} [changed]\n`);
  assert.deepEqual(cmdline(old.pid!), ['sleep', '602']);
  assert.equal((await d.initctl(['stop', 'edited'])).stdout, 'edited stop/waiting\n');
  await waitUntil('the old process to be gone', () => !alive(old.pid!));
  assert.equal((await d.initctl(['start', 'edited'])).code, 0);
  const fresh = await waitForStatus(d, 'edited', 'start/running');
  assert.deepEqual(cmdline(fresh.pid!), ['sleep', '603']);
  assert.equal((await d.initctl(['stop', 'edited'])).code, 0);
});

test('a removed job disappears from the list once its running instance stops', async () => {
  d.writeJob('doomed', 'exec sleep 604\n');
  await waitUntil('doomed to be listed', () => listed('doomed'));
  assert.equal((await d.initctl(['start', 'doomed'])).code, 0);
  const s = await waitForStatus(d, 'doomed', 'start/running');
  d.removeJob('doomed');
  // Gone for new starts at once, but the running instance is still shown and still runs.
  await waitUntil('the removal to load', async () => (await d.initctl(['show-config', 'doomed'])).stderr === 'initctl: Unknown job: doomed\n');
  assert.equal((await d.initctl(['status', 'doomed'])).stdout, `doomed start/running, process ${s.pid} [removed]\n`);
  assert.ok(alive(s.pid!));
  assert.equal((await d.initctl(['stop', 'doomed'])).stdout, 'doomed stop/waiting\n');
  await waitUntil('doomed to leave the list', async () => !(await listed('doomed')));
  assert.equal((await d.initctl(['status', 'doomed'])).stderr, 'initctl: Unknown job: doomed\n');
  assert.equal((await d.initctl(['start', 'doomed'])).stderr, 'initctl: Unknown job: doomed\n');
  assert.equal(alive(s.pid!), false);
});

/**
 * Rewrites a job file through a hard link outside the conf dir: inotify reports a change only
 * through the watched directory's own entry, so the watcher does not see this one.
 */
function editBehindTheWatchersBack(name: string, text: string): void {
  const outside = join(d.dir, 'outside');
  mkdirSync(outside, { recursive: true });
  const alias = join(outside, `${name}.conf`);
  try {
    linkSync(join(d.confdir, `${name}.conf`), alias);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  writeFileSync(alias, text);
}

test('initctl reload-configuration applies a change before it returns', async () => {
  d.writeJob('quiet', 'start on first-event\nexec sleep 600\n');
  await waitUntil('quiet to load', async () => (await d.initctl(['show-config', 'quiet'])).stdout === 'quiet\n  start on first-event\n');
  editBehindTheWatchersBack('quiet', 'start on second-event\nexec sleep 600\n');
  const r = await d.initctl(['reload-configuration']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await d.initctl(['show-config', 'quiet'])).stdout, 'quiet\n  start on second-event\n');
});

test('SIGHUP reloads the configuration', async () => {
  editBehindTheWatchersBack('quiet', 'start on third-event\nexec sleep 600\n');
  d.proc.kill('SIGHUP');
  await waitUntil('the SIGHUP reload', async () => (await d.initctl(['show-config', 'quiet'])).stdout === 'quiet\n  start on third-event\n');
  assert.equal(d.proc.exitCode, null);
});
