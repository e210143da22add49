// Bridges run as jobs: one that dies is respawned by its job, and the new one says, from init's journal, how the one before ended and that events while no bridge ran are lost (they are: nothing replays them).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, jobStatus, ROOT, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
let w = '';
const bridgeLog = (): string => {
  try {
    return readFileSync(join(d.logdir, 'file-bridge.log'), 'utf8');
  } catch {
    return '';
  }
};

/** The `file` events in init's journal so far, as `EVENT FILE` strings. */
async function fileEvents(): Promise<string[]> {
  const r = await d.initctl(['events', '--json']);
  return r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; name?: string; env?: string[] })
    .filter((e) => e.kind === 'event' && e.name === 'file')
    .map((e) => ['EVENT', 'FILE'].map((k) => e.env!.find((x) => x.startsWith(`${k}=`))?.slice(k.length + 1)).join(' '));
}

before(async () => {
  d = await startDaemon({});
  w = join(d.dir, 'watched');
  mkdirSync(w);
  writeFileSync(join(w, 'doomed'), '');
  d.writeJob('gone', `task\nstart on file FILE=${w}/doomed EVENT=delete\nexec true\n`);
  d.writeJob('mod', `task\nstart on file FILE=${w}/log EVENT=modify\nexec true\n`);
  d.writeJob('file-bridge', `respawn\nexec ${process.execPath} ${join(ROOT, 'bin/upstart-file-bridge')} --debug\n`);
  await d.initctl(['reload-configuration']);
  assert.equal((await d.initctl(['start', 'file-bridge'])).code, 0);
  await waitUntil('the bridge to watch', () => bridgeLog().includes(`watching ${w}/log`) || undefined);
});

after(async () => {
  await d?.stop();
});

test('a bridge killed is respawned by its job; the new one names the old pid and how it ended, says events were lost, and works', async () => {
  const old = await waitForStatus(d, 'file-bridge', 'start/running');
  process.kill(old.pid!, 'SIGKILL');
  await waitUntil('the old bridge gone', () => !alive(old.pid!) || undefined);
  const now = await waitUntil('the respawned bridge', async () => {
    const s = await jobStatus(d, 'file-bridge');
    return s.state === 'running' && s.pid !== undefined && s.pid !== old.pid ? s : undefined;
  });
  await waitUntil('the lost-events warning', () => new RegExp(`the bridge before this one \\(pid ${old.pid}\\) was killed by (SIG)?KILL [0-9.]+ s ago: file events while no bridge ran are lost`).test(bridgeLog()) || undefined);
  assert.ok(now.pid !== old.pid);
  writeFileSync(join(w, 'log'), 'a');
  await waitUntil('a modify event from the new bridge', async () => (await fileEvents()).includes(`modify ${w}/log`) || undefined);
});

test('what happens while no bridge runs is not replayed: a delete while the bridge is stopped gives no event, and the warning says so', async () => {
  const old = await jobStatus(d, 'file-bridge');
  assert.equal((await d.initctl(['stop', 'file-bridge'])).code, 0);
  unlinkSync(join(w, 'doomed'));
  assert.equal((await d.initctl(['start', 'file-bridge'])).code, 0);
  await waitUntil('the warning of the new bridge', () => new RegExp(`the bridge before this one \\(pid ${old.pid}\\) exited with status 0 [0-9.]+ s ago: file events while no bridge ran are lost`).test(bridgeLog()) || undefined);
  // The new bridge watches again; a later change is seen, the delete from before never is.
  writeFileSync(join(w, 'log'), 'ab');
  await waitUntil('the next modify event', async () => (await fileEvents()).filter((e) => e === `modify ${w}/log`).length >= 2 || undefined);
  assert.ok(!(await fileEvents()).includes(`delete ${w}/doomed`), (await fileEvents()).join('\n'));
});
