// spawnStart: the pid at once, the exec's outcome later (one per child), handed-off fds closed after exec, every exit reaped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as native from '../../../src/sys/index.ts';
import type { SpawnOutcome } from '../../../src/sys/index.ts';
import { SpawnError } from '../../../src/sys/spawnError.ts';
import { readAll, SH_ENV, stopReaping, waitEnd } from './helpers/reap.ts';

const dir = mkdtempSync(join(tmpdir(), 'upstart-spawnstart-'));
const outcomes = new Map<number, SpawnOutcome[]>();
const outcomeWaiters = new Map<number, (o: SpawnOutcome) => void>();
native.onSpawnOutcomes((list) => {
  for (const o of list) {
    const all = outcomes.get(o.pid) ?? [];
    all.push(o);
    outcomes.set(o.pid, all);
    outcomeWaiters.get(o.pid)?.(o);
    outcomeWaiters.delete(o.pid);
  }
});
after(() => { native.onSpawnOutcomes(null); rmSync(dir, { recursive: true, force: true }); stopReaping(); });

function outcome(pid: number, ms = 10000): Promise<SpawnOutcome> {
  const seen = outcomes.get(pid);
  if (seen !== undefined) return Promise.resolve(seen[0]!);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no outcome for ${pid} within ${ms} ms`)), ms);
    outcomeWaiters.set(pid, (o) => { clearTimeout(timer); resolve(o); });
  });
}

test('the pid comes back at once; the outcome says exec\'d; the handed-off write end is closed after exec', async () => {
  const [r, w] = native.pipe();
  const pid = native.spawnStart({ argv: ['/bin/sh', '-c', 'echo hello $$'], env: SH_ENV, stdio: ['null', w, w] }, [w]);
  assert.ok(pid > 0);
  const [o, out, end] = await Promise.all([outcome(pid), readAll(r), waitEnd(pid)]);
  assert.equal(o.error, undefined);
  // EOF reached: the only other copy of w (ours) was closed by the spawner.
  assert.equal(out.toString().trim(), `hello ${pid}`);
  assert.equal(end.kind, 'exited');
  assert.equal(outcomes.get(pid)!.length, 1);
});

test('an exec that fails is an outcome with the SpawnError; its exit (127) still reaches the reaper', async () => {
  const pid = native.spawnStart({ argv: ['/nonexistent/daemon'], env: [] });
  const [o, end] = await Promise.all([outcome(pid), waitEnd(pid)]);
  assert.ok(o.error instanceof SpawnError);
  assert.equal(o.error.stage, 'exec');
  assert.equal(o.error.code, 'ENOENT');
  assert.ok(o.error.message.includes('/nonexistent/daemon'), o.error.message);
  assert.deepEqual([end.kind, end.kind === 'exited' ? end.status : -1], ['exited', 127]);
});

test('a chdir failure names the directory', async () => {
  const pid = native.spawnStart({ argv: ['true'], env: SH_ENV, cwd: join(dir, 'nope') });
  const o = await outcome(pid);
  assert.equal(o.error?.stage, 'chdir');
  assert.ok(o.error.message.includes('nope'));
  await waitEnd(pid);
});

test('errors before the clone stay synchronous, and the handoff fds stay the caller\'s', () => {
  const [r, w] = native.pipe();
  try {
    assert.throws(() => native.spawnStart({ argv: ['true'], env: SH_ENV, user: 'no-such-user-xyz', stdio: ['null', w, w] }, [w]), (err: unknown) => err instanceof SpawnError && err.stage === 'user');
    assert.throws(() => native.spawnStart({ argv: [], env: [] }), TypeError);
    assert.throws(() => native.spawnStart({ argv: ['true'], env: [] }, [-1]), TypeError);
    // Still open: closing it succeeds.
    native.closeFd(w);
  } finally {
    native.closeFd(r);
  }
});

test('many at once: each pid has one outcome and one exit, none lost', async () => {
  const pids: number[] = [];
  for (let i = 0; i < 60; i++) pids.push(native.spawnStart({ argv: i % 3 === 0 ? ['/nonexistent/x'] : ['true'], env: SH_ENV, stdio: ['null', 'null', 'null'] }));
  assert.equal(new Set(pids).size, pids.length);
  const results = await Promise.all(pids.map(async (pid, i) => {
    const [o, end] = await Promise.all([outcome(pid), waitEnd(pid)]);
    return { i, failed: o.error !== undefined, status: end.kind === 'exited' ? end.status : -1 };
  }));
  for (const r of results) {
    assert.equal(r.failed, r.i % 3 === 0);
    assert.equal(r.status, r.i % 3 === 0 ? 127 : 0);
  }
  for (const pid of pids) assert.equal(outcomes.get(pid)!.length, 1);
});

test('optionalCgroup: a first cgroup that cannot be joined is a note, the process runs; without it, a failure', async () => {
  // A "cgroup" whose cgroup.procs opens for writing but refuses the write (ENOSPC).
  const cg = join(dir, 'full-cgroup');
  mkdirSync(cg);
  symlinkSync('/dev/full', join(cg, 'cgroup.procs'));
  const ok = native.spawnStart({ argv: ['true'], env: SH_ENV, cgroups: [cg], optionalCgroup: true });
  const [o, end] = await Promise.all([outcome(ok), waitEnd(ok)]);
  assert.equal(o.error, undefined);
  assert.equal(o.cgroupErrno, 28);
  assert.deepEqual([end.kind, end.kind === 'exited' ? end.status : -1], ['exited', 0]);
  const bad = native.spawnStart({ argv: ['true'], env: SH_ENV, cgroups: [cg] });
  const o2 = await outcome(bad);
  assert.equal(o2.error?.stage, 'cgroup');
  assert.equal(o2.error.code, 'ENOSPC');
  await waitEnd(bad);
});
