// cgroupRemove off the JS thread: the directory goes, a failure is reported, and a spawn that makes the same directory comes after its removal.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as native from '../../../src/sys/index.ts';
import type { SpawnOutcome } from '../../../src/sys/index.ts';
import { nativeCgroupDirs as dirs } from '../../../src/sys/cgroupDirs.ts';
import { SH_ENV, stopReaping, waitEnd } from '../process/helpers/reap.ts';

const root = mkdtempSync(join(tmpdir(), 'upstart-cgroupdirs-'));
const failures: Array<[string, number]> = [];
let failed: () => void = () => {};
dirs.onFailures((list) => { failures.push(...list); failed(); });
const outcomes = new Map<number, SpawnOutcome>();
let outcomeSeen: () => void = () => {};
native.onSpawnOutcomes((list) => { for (const o of list) outcomes.set(o.ticket, o); outcomeSeen(); });
after(() => { dirs.onFailures(null); native.onSpawnOutcomes(null); rmSync(root, { recursive: true, force: true }); stopReaping(); });

async function until<T>(what: string, get: () => T | undefined, setWake: (w: () => void) => void, ms = 10000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise<void>((r) => { setWake(r); setTimeout(r, 50); });
  }
}

test('remove: the directory is gone once settle returns', () => {
  const d = join(root, 'a');
  mkdirSync(d);
  dirs.remove([d]);
  dirs.settle(d);
  assert.equal(existsSync(d), false);
  // An absent directory is no failure.
  dirs.remove([d]);
  dirs.settle(root);
});

test('settle(parent) waits for every removal queued under it', () => {
  const under = join(root, 'many');
  mkdirSync(under);
  const all = Array.from({ length: 300 }, (_, i) => join(under, `d${i}`));
  for (const d of all) mkdirSync(d);
  dirs.remove(all);
  dirs.settle(under);
  assert.deepEqual(all.filter((d) => existsSync(d)), []);
});

test('a removal that fails is reported with its errno; the directory stays', async () => {
  const d = join(root, 'busy');
  mkdirSync(d);
  writeFileSync(join(d, 'f'), '');
  dirs.remove([d]);
  const f = await until('failure', () => failures.find(([p]) => p === d), (w) => { failed = w; });
  assert.equal(f[1], constants.errno.ENOTEMPTY);
  assert.ok(existsSync(d));
});

test('a spawn that makes a directory whose removal is queued makes it after the rmdir (cgroupCreate)', async () => {
  // Many removals ahead of the target's, so its rmdir is still queued when the spawner thread gets the spawn.
  const before = Array.from({ length: 300 }, (_, i) => join(root, `q${i}`));
  for (const d of before) mkdirSync(d);
  const target = join(root, 'target');
  mkdirSync(target);
  dirs.remove(before);
  dirs.remove([target]);
  // A plain directory has no cgroup.procs: the optional join is a note (ENOENT), the process runs.
  const ticket = native.spawnStart({ argv: ['true'], env: SH_ENV, cgroups: [target], cgroupCreate: true, optionalCgroup: true });
  const o = await until('outcome', () => outcomes.get(ticket), (w) => { outcomeSeen = w; });
  await waitEnd(o.pid);
  assert.equal(o.error, undefined);
  assert.equal(o.cgroupErrno, constants.errno.ENOENT);
  dirs.settle(root);
  assert.ok(existsSync(target), 'the mkdir came after the rmdir');
  for (const d of before) assert.equal(existsSync(d), false);
});

test('cgroupCreate: a directory that cannot be made fails the spawn (stage cgroup) unless optional; spawnStart says so in the outcome', async () => {
  const d = join(root, 'missing-parent', 'x');
  const ticket = native.spawnStart({ argv: ['true'], env: SH_ENV, cgroups: [d], cgroupCreate: true });
  const o = await until('outcome', () => outcomes.get(ticket), (w) => { outcomeSeen = w; });
  assert.equal(o.error?.stage, 'cgroup');
  assert.equal(o.error.code, 'ENOENT');
  assert.ok(o.error.message.includes(d), o.error.message);
  await waitEnd(o.pid);
  const ok = native.spawnStart({ argv: ['true'], env: SH_ENV, cgroups: [d], cgroupCreate: true, optionalCgroup: true });
  const o2 = await until('outcome', () => outcomes.get(ok), (w) => { outcomeSeen = w; });
  assert.equal(o2.error, undefined);
  assert.equal(o2.cgroupErrno, constants.errno.ENOENT);
  const end = await waitEnd(o2.pid);
  assert.deepEqual([end.kind, end.kind === 'exited' ? end.status : -1], ['exited', 0]);
  assert.throws(() => native.spawn({ argv: ['true'], env: SH_ENV, cgroups: [d], cgroupCreate: true }),
    (err: Error & { stage?: string; code?: string }) => err.stage === 'cgroup' && err.code === 'ENOENT');
});
