// Privileged: children born in their job cgroup (clone3 CLONE_INTO_CGROUP), and a directory once cgroup.kill'ed, where the kernel kills what is cloned in, still gets its process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupTree } from '../../../src/process/cgroupTree.ts';
import { nativeCgroupDirs } from '../../../src/sys/cgroupDirs.ts';
import * as native from '../../../src/sys/index.ts';
import type { SpawnOutcome } from '../../../src/sys/index.ts';
import { cgroupOf, cgroupsUsable } from '../../integration/cgroupHelpers.ts';
import { waitUntil } from '../../integration/harness.ts';
import { SH_ENV, stopReaping, waitEnd } from '../../native/process/helpers/reap.ts';

const why = cgroupsUsable();
if (why) console.log(`# skipping cgroup clone-into: ${why}`);
const skip = why || false;
const tree = skip ? undefined : CgroupTree.create(`upstart-ts-into.${process.pid}`, () => {});
const outcomes = new Map<number, SpawnOutcome>();
native.onSpawnOutcomes((list) => { for (const o of list) outcomes.set(o.ticket, o); });
after(() => { native.onSpawnOutcomes(null); if (tree instanceof CgroupTree) tree.close(); stopReaping(); });

/** A sleep spawned as the port spawns a job's process without cgroup stanzas; its pid. */
async function sleeper(t: CgroupTree, job: string, into: boolean): Promise<number> {
  const ticket = native.spawnStart({ argv: ['sleep', '60'], env: SH_ENV, cgroups: [t.pathFor(job, '')], cgroupCreate: true, optionalCgroup: true, cgroupInto: into });
  await waitUntil('the spawn outcome', () => outcomes.has(ticket), 10_000);
  const o = outcomes.get(ticket)!;
  assert.equal(o.error, undefined);
  assert.equal(o.cgroupErrno, undefined, 'joined its cgroup');
  return o.pid;
}

async function kill(pid: number): Promise<void> {
  native.kill(pid, 'KILL');
  await waitEnd(pid);
}

test('cgroupInto: the child runs in the directory made for it', { skip }, async () => {
  const t = tree as CgroupTree;
  assert.equal(t.clonable('fresh', ''), true);
  const pid = await sleeper(t, 'fresh', true);
  assert.equal(cgroupOf(pid), `${t.path}/fresh`);
  assert.deepEqual(t.pids('fresh', ''), [pid]);
  await kill(pid);
});

test('a directory cgroup.kill\'ed behind the tree\'s back: the child cloned in dies at birth, and the spawner moves the next one in', { skip }, async () => {
  const t = tree as CgroupTree;
  const first = await sleeper(t, 'poisoned', true);
  writeFileSync(join(t.dir, 'poisoned', 'cgroup.kill'), '1');
  const end = await waitEnd(first);
  assert.equal(end.kind, 'killed');
  // The tree does not know: it still says clonable, and the spawn asks for it.
  assert.equal(t.clonable('poisoned', ''), true);
  const again = await sleeper(t, 'poisoned', true);
  assert.equal(cgroupOf(again), `${t.path}/poisoned`);
  // Alive a while later (a child killed at birth is gone by the time its outcome comes).
  await new Promise((r) => setImmediate(r));
  assert.equal(native.kill(again, 0), undefined);
  await kill(again);
});

test('kill KILL: an empty cgroup gets no cgroup.kill and stays clonable; leftovers killed make it not, until its directory is made anew', { skip }, async () => {
  const t = tree as CgroupTree;
  const pid = await sleeper(t, 'left', true);
  await kill(pid);
  assert.equal(t.kill('left', '', 'KILL'), 0, 'nothing there to kill');
  assert.equal(t.clonable('left', ''), true);
  const leftover = await sleeper(t, 'left', true);
  assert.equal(t.kill('left', '', 'KILL'), -1, 'cgroup.kill written');
  await waitEnd(leftover);
  assert.equal(t.clonable('left', ''), false);
  // Not clonable: moved in by writing cgroup.procs, as before.
  const moved = await sleeper(t, 'left', false);
  assert.equal(cgroupOf(moved), `${t.path}/left`);
  await kill(moved);
  assert.equal(t.release('left', ''), true);
  await new Promise((r) => setImmediate(r));
  nativeCgroupDirs.settle(join(t.dir, 'left'));
  assert.equal(t.clonable('left', ''), true);
  const reborn = await sleeper(t, 'left', true);
  assert.equal(cgroupOf(reborn), `${t.path}/left`);
  await kill(reborn);
});
