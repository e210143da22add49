// spawnStart: a ticket at once, the pid and the exec's outcome later (one per child), handed-off fds closed after exec, every exit reaped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as native from '../../../src/sys/index.ts';
import type { SpawnOutcome } from '../../../src/sys/index.ts';
import { SpawnError } from '../../../src/sys/spawnError.ts';
import { policyFromStat, threadPolicies } from './helpers/policy.ts';
import { readAll, SH_ENV, stopReaping, waitEnd } from './helpers/reap.ts';

const dir = mkdtempSync(join(tmpdir(), 'upstart-spawnstart-'));
const outcomes = new Map<number, SpawnOutcome[]>();
const outcomeWaiters = new Map<number, (o: SpawnOutcome) => void>();
native.onSpawnOutcomes((list) => {
  for (const o of list) {
    const all = outcomes.get(o.ticket) ?? [];
    all.push(o);
    outcomes.set(o.ticket, all);
    outcomeWaiters.get(o.ticket)?.(o);
    outcomeWaiters.delete(o.ticket);
  }
});
after(() => { native.onSpawnOutcomes(null); rmSync(dir, { recursive: true, force: true }); stopReaping(); });

function outcome(ticket: number, ms = 10000): Promise<SpawnOutcome> {
  const seen = outcomes.get(ticket);
  if (seen !== undefined) return Promise.resolve(seen[0]!);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no outcome for ticket ${ticket} within ${ms} ms`)), ms);
    outcomeWaiters.set(ticket, (o) => { clearTimeout(timer); resolve(o); });
  });
}

/** The outcome, then the end of its process. */
async function outcomeAndEnd(ticket: number): Promise<[SpawnOutcome, Awaited<ReturnType<typeof waitEnd>>]> {
  const o = await outcome(ticket);
  assert.ok(o.pid > 0, 'a process was made');
  return [o, await waitEnd(o.pid)];
}

test('a ticket comes back at once; the outcome gives the pid and says exec\'d; the handed-off write end is closed after exec', async () => {
  const [r, w] = native.pipe();
  const ticket = native.spawnStart({ argv: ['/bin/sh', '-c', 'echo hello $$'], env: SH_ENV, stdio: ['null', w, w] }, [w]);
  assert.ok(ticket > 0);
  const [[o, end], out] = await Promise.all([outcomeAndEnd(ticket), readAll(r)]);
  assert.equal(o.ticket, ticket);
  assert.equal(o.error, undefined);
  // EOF reached: the only other copy of w (ours) was closed by the spawner.
  assert.equal(out.toString().trim(), `hello ${o.pid}`);
  assert.equal(end.kind, 'exited');
  assert.equal(outcomes.get(ticket)!.length, 1);
});

test('spawnPids: a pending ticket is listed with its pid once the child exists, and not after its outcome', async () => {
  // The outcome comes after the exec: poll until the child is listed or the outcome came (a fast
  // spawner may deliver it before the first look). sh then waits on the pipe until we close it.
  const [r, w] = native.pipe();
  const ticket = native.spawnStart({ argv: ['/bin/sh', '-c', 'read x'], env: SH_ENV, stdio: [r, 'null', 'null'] });
  let listed: number | undefined;
  const deadline = Date.now() + 10000;
  while (listed === undefined && !outcomes.has(ticket) && Date.now() < deadline) {
    const flat = native.spawnPids();
    for (let i = 0; i < flat.length; i += 2) if (flat[i] === ticket) listed = flat[i + 1];
    if (listed === undefined) await new Promise((res) => setImmediate(res));
  }
  const o = await outcome(ticket);
  if (listed !== undefined) assert.equal(listed, o.pid);
  const after = native.spawnPids();
  for (let i = 0; i < after.length; i += 2) assert.notEqual(after[i], ticket);
  native.closeFd(w);
  native.closeFd(r);
  await waitEnd(o.pid);
});

test('an exec that fails is an outcome with the SpawnError; its exit (127) still reaches the reaper', async () => {
  const [o, end] = await outcomeAndEnd(native.spawnStart({ argv: ['/nonexistent/daemon'], env: [] }));
  assert.ok(o.error instanceof SpawnError);
  assert.equal(o.error.stage, 'exec');
  assert.equal(o.error.code, 'ENOENT');
  assert.ok(o.error.message.includes('/nonexistent/daemon'), o.error.message);
  assert.deepEqual([end.kind, end.kind === 'exited' ? end.status : -1], ['exited', 127]);
});

test('a chdir failure names the directory', async () => {
  const [o] = await outcomeAndEnd(native.spawnStart({ argv: ['true'], env: SH_ENV, cwd: join(dir, 'nope') }));
  assert.equal(o.error?.stage, 'chdir');
  assert.ok(o.error.message.includes('nope'));
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

test('many at once: each ticket has one outcome and its pid one exit, none lost', async () => {
  const tickets: number[] = [];
  for (let i = 0; i < 60; i++) tickets.push(native.spawnStart({ argv: i % 3 === 0 ? ['/nonexistent/x'] : ['true'], env: SH_ENV, stdio: ['null', 'null', 'null'] }));
  assert.equal(new Set(tickets).size, tickets.length);
  const results = await Promise.all(tickets.map(async (ticket, i) => {
    const [o, end] = await outcomeAndEnd(ticket);
    return { i, pid: o.pid, failed: o.error !== undefined, status: end.kind === 'exited' ? end.status : -1 };
  }));
  assert.equal(new Set(results.map((r) => r.pid)).size, results.length);
  for (const r of results) {
    assert.equal(r.failed, r.i % 3 === 0);
    assert.equal(r.status, r.i % 3 === 0 ? 127 : 0);
  }
  for (const t of tickets) assert.equal(outcomes.get(t)!.length, 1);
});

test('optionalCgroup: a first cgroup that cannot be joined is a note, the process runs; without it, a failure', async () => {
  // A "cgroup" whose cgroup.procs opens for writing but refuses the write (ENOSPC).
  const cg = join(dir, 'full-cgroup');
  mkdirSync(cg);
  symlinkSync('/dev/full', join(cg, 'cgroup.procs'));
  const [o, end] = await outcomeAndEnd(native.spawnStart({ argv: ['true'], env: SH_ENV, cgroups: [cg], optionalCgroup: true }));
  assert.equal(o.error, undefined);
  assert.equal(o.cgroupErrno, 28);
  assert.deepEqual([end.kind, end.kind === 'exited' ? end.status : -1], ['exited', 0]);
  const [o2] = await outcomeAndEnd(native.spawnStart({ argv: ['true'], env: SH_ENV, cgroups: [cg] }));
  assert.equal(o2.error?.stage, 'cgroup');
  assert.equal(o2.error.code, 'ENOSPC');
});

test('the spawner threads run SCHED_BATCH (no wake-up preemption of the event loop); the child goes back to SCHED_OTHER', async (t) => {
  if (policyFromStat(readFileSync('/proc/self/stat', 'utf8')) !== 0) return t.skip('this test process does not run SCHED_OTHER');
  const [r, w] = native.pipe();
  const ticket = native.spawnStart({ argv: ['/bin/cat', '/proc/self/stat'], env: SH_ENV, stdio: ['null', w, 'null'] }, [w]);
  const [[, end], out] = await Promise.all([outcomeAndEnd(ticket), readAll(r)]);
  assert.equal(end.kind, 'exited');
  assert.equal(policyFromStat(out.toString()), 0, 'the job runs SCHED_OTHER');
  assert.ok(threadPolicies().includes(3), 'a spawner thread runs SCHED_BATCH');
});

test('a daemon started under another policy (chrt --batch) gives its jobs that policy', (t) => {
  const chrt = ['/usr/bin/chrt', '/bin/chrt'].find((p) => existsSync(p));
  if (!chrt) return t.skip('chrt (util-linux) is not installed');
  const out = execFileSync(chrt, ['--batch', '0', process.execPath, '--import', 'tsx', join(import.meta.dirname, 'fixtures/childPolicy.ts')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(out.trim(), '3');
});
