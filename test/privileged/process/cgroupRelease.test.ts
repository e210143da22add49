// Privileged: a job cgroup released while a process is still in it (EBUSY off the JS thread) is removed once it empties, and reused when the instance comes back first.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupTree } from '../../../src/process/cgroupTree.ts';
import { nativeCgroupDirs } from '../../../src/sys/cgroupDirs.ts';
import * as native from '../../../src/sys/index.ts';
import type { SpawnOutcome } from '../../../src/sys/index.ts';
import { cgroupOf, cgroupsUsable } from '../../integration/cgroupHelpers.ts';
import { waitUntil } from '../../integration/harness.ts';
import { SH_ENV, stopReaping, waitEnd } from '../../native/process/helpers/reap.ts';

const why = cgroupsUsable();
if (why) console.log(`# skipping cgroup release: ${why}`);
const skip = why || false;
const tree = skip ? undefined : CgroupTree.create(`upstart-ts-release.${process.pid}`, () => {});
const outcomes = new Map<number, SpawnOutcome>();
native.onSpawnOutcomes((list) => { for (const o of list) outcomes.set(o.ticket, o); });
after(() => { native.onSpawnOutcomes(null); if (tree instanceof CgroupTree) tree.close(); stopReaping(); });

async function sleeper(t: CgroupTree, job: string): Promise<number> {
  const ticket = native.spawnStart({ argv: ['sleep', '60'], env: SH_ENV, cgroups: [t.pathFor(job, '')], cgroupCreate: true });
  await waitUntil('the spawn outcome', () => outcomes.has(ticket), 10_000);
  const o = outcomes.get(ticket)!;
  assert.equal(o.error, undefined);
  return o.pid;
}

test('EBUSY: tried again, the directory goes once the last process is reaped', { skip }, async () => {
  const t = tree as CgroupTree;
  const pid = await sleeper(t, 'busy');
  assert.equal(cgroupOf(pid), `${t.path}/busy`);
  assert.equal(t.release('busy', ''), true);
  // The tick's releases are queued together after it.
  await new Promise((r) => setImmediate(r));
  nativeCgroupDirs.settle(join(t.dir, 'busy'));
  assert.ok(existsSync(join(t.dir, 'busy')), 'the queued rmdir ran and failed: its process is in it');
  native.kill(pid, 'KILL');
  await waitEnd(pid);
  await waitUntil('the directory is removed', () => !existsSync(join(t.dir, 'busy')), 5_000);
});

test('the instance back while its removal failed: the same directory holds its new process', { skip }, async () => {
  const t = tree as CgroupTree;
  const pid = await sleeper(t, 'back');
  t.release('back', '');
  const again = await sleeper(t, 'back');
  assert.equal(cgroupOf(again), `${t.path}/back`);
  assert.deepEqual(t.pids('back', '').sort(), [pid, again].sort());
  native.kill(pid, 'KILL');
  await waitEnd(pid);
  assert.deepEqual(t.pids('back', ''), [again]);
  native.kill(again, 'KILL');
  await waitEnd(again);
  assert.equal(t.release('back', '', true), true);
  assert.equal(existsSync(join(t.dir, 'back')), false);
});

test('released and spawned again in the same tick (a restart): the directory is kept, never removed', { skip }, async () => {
  const t = tree as CgroupTree;
  const pid = await sleeper(t, 'restart');
  native.kill(pid, 'KILL');
  await waitEnd(pid);
  t.release('restart', '');
  const again = await sleeper(t, 'restart');
  assert.equal(cgroupOf(again), `${t.path}/restart`);
  nativeCgroupDirs.settle(t.dir);
  assert.deepEqual(t.pids('restart', ''), [again]);
  native.kill(again, 'KILL');
  await waitEnd(again);
  assert.equal(t.release('restart', '', true), true);
  assert.equal(existsSync(join(t.dir, 'restart')), false);
});
