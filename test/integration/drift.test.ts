// Drift: list and status mark an instance whose job file changed (or went) since it started; status --json says what changed.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({ w: 'exec sleep 6501\n', quiet: 'exec sleep 6502\n' });
  for (const j of ['w', 'quiet']) assert.equal((await d.initctl(['start', j])).code, 0);
});

after(async () => {
  await d?.stop();
});

test('without drift the output is Upstart\'s, byte for byte; a comment added changes nothing', async () => {
  const w = (await waitForStatus(d, 'w', 'start/running')).pid!;
  const q = (await waitForStatus(d, 'quiet', 'start/running')).pid!;
  d.writeJob('quiet', '# a comment moves the exec one line down\nexec sleep 6502\n');
  assert.equal((await d.initctl(['reload-configuration'])).code, 0);
  assert.equal((await d.initctl(['list'])).stdout, `quiet start/running, process ${q}\nw start/running, process ${w}\n`);
  assert.equal((await d.initctl(['status', 'quiet'])).stdout, `quiet start/running, process ${q}\n`);
  const json = JSON.parse((await d.initctl(['status', '--json', 'quiet'])).stdout) as Array<Record<string, unknown>>;
  assert.equal('drift' in json[0]!, false);
});

test('an edited job file: [changed] on list and status, and status --json says what', async () => {
  const w = (await waitForStatus(d, 'w', 'start/running')).pid!;
  d.writeJob('w', 'env X=1\nexec sleep 6501\n');
  // The write is not atomic: the watcher may load the file half written ("env X=1" alone: [changed], main
  // gone) and then whole. Wait for the whole edit, then check what status and list say of it.
  const expected = { definition: 'changed', changes: [{ field: 'env', before: '[]', after: '[{"key":"X","value":"1"}]' }] };
  const drift = async (): Promise<unknown> => (JSON.parse((await d.initctl(['status', '--json', 'w'])).stdout) as Array<{ drift: unknown }>)[0]!.drift;
  await waitUntil('the whole edit to load', async () => JSON.stringify(await drift()) === JSON.stringify(expected));
  assert.equal((await d.initctl(['status', 'w'])).stdout, `w start/running, process ${w} [changed]\n`);
  assert.match((await d.initctl(['list'])).stdout, new RegExp(`^w start/running, process ${w} \\[changed\\]$`, 'm'));
  assert.deepEqual(await drift(), expected);
  const list = JSON.parse((await d.initctl(['list', '--json'])).stdout) as Array<{ job: string; drift?: { definition: string } }>;
  assert.equal(list.find((s) => s.job === 'w')?.drift?.definition, 'changed');
  // restart keeps the instance and its definition (as Upstart's does); stop and start runs the loaded one.
  assert.equal((await d.initctl(['restart', 'w'])).code, 0);
  const restarted = await waitForStatus(d, 'w', 'start/running');
  assert.equal(restarted.line, `w start/running, process ${restarted.pid} [changed]`);
  assert.equal((await d.initctl(['stop', 'w'])).code, 0);
  assert.equal((await d.initctl(['start', 'w'])).code, 0);
  const again = await waitForStatus(d, 'w', 'start/running');
  assert.equal(again.line, `w start/running, process ${again.pid}`);
});

test('a deleted job file: [removed] until the instance stops', async () => {
  const w = (await waitForStatus(d, 'w', 'start/running')).pid!;
  d.removeJob('w');
  await waitUntil('the removal to load', async () => (await d.initctl(['status', 'w'])).stdout === `w start/running, process ${w} [removed]\n`);
  const json = JSON.parse((await d.initctl(['status', '--json', 'w'])).stdout) as Array<{ drift: unknown }>;
  assert.deepEqual(json[0]!.drift, { definition: 'removed', changes: [] });
  assert.equal((await d.initctl(['stop', 'w'])).code, 0);
  await waitUntil('w to be gone', async () => !(await d.initctl(['list'])).stdout.includes('w '));
});
