// Privileged: job cgroups (DESIGN §3.5) — a stop reaches processes that left the job's process group, expect exit N follows a double fork, cgroups are removed.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sessionCgroupBase } from '../../../src/daemon/jobCgroups.ts';
import { findOwnCgroup } from '../../../src/process/cgroupTree.ts';
import { alive, killIfAlive, startDaemon, waitForFile, waitUntil, type DaemonHandle } from '../../integration/harness.ts';
import { cgroupsUsable, cgroupOf } from '../../integration/cgroupHelpers.ts';

const why = cgroupsUsable();
if (why) console.log(`# skipping job cgroups: ${why}`);
const skip = why || false;

const own = findOwnCgroup();
/** The cgroup directory a daemon on this socket makes for its jobs. */
const baseOf = (socket: string): string => join(own!.mount, own!.path, sessionCgroupBase(socket));

let d: DaemonHandle;
const strays: number[] = [];

before(async () => {
  if (skip) return;
  d = await startDaemon({
    // The background sleep makes its own session: a process-group kill would miss it.
    escaper: `exec sh -c 'setsid sleep 6601 & echo $! > "${'$'}OUT"; exec sleep 6602'\n`,
    // A daemon's double fork without ptrace: the first process exits, its child exits, the grandchild runs on.
    forker: `expect exit 2\nexec sh -c 'sh -c "sleep 6603 & echo \\$! > \\"$OUT\\"; exit 0" & exit 0'\n`,
    // expect fork (ptrace): the process it forks is main; that one starts a helper in a session of its own.
    forked: `expect fork\nexec sh -c '( setsid sleep 6606 & echo $! > "$OUT"; exec sleep 6607 ) & exit 0'\n`,
  });
});

after(async () => {
  for (const p of strays) killIfAlive(p);
  await d?.stop();
});

test('stop reaches every process in the job cgroup, including one that left its process group', { skip }, async () => {
  const out = join(d.dir, 'escaper.pid');
  const r = await d.initctl(['start', 'escaper', `OUT=${out}`]);
  assert.equal(r.code, 0, r.stderr);
  const stray = Number((await waitForFile(out)).trim());
  strays.push(stray);
  assert.equal(cgroupOf(stray), `${own!.path === '/' ? '' : own!.path}/${sessionCgroupBase(d.socket)}/escaper`);
  // status --json knows every process of the job, the one that left its process group too.
  const st = JSON.parse((await d.initctl(['status', '--json', 'escaper'])).stdout) as Array<{ processes: Array<{ pid: number }>; cgroup?: { path: string; pids: number[]; cpuUsec?: number } }>;
  assert.equal(st[0]!.cgroup?.path, cgroupOf(stray));
  assert.ok(st[0]!.cgroup!.pids.includes(stray) && st[0]!.cgroup!.pids.includes(st[0]!.processes[0]!.pid), JSON.stringify(st));
  assert.equal(typeof st[0]!.cgroup!.cpuUsec, 'number');
  assert.equal((await d.initctl(['stop', 'escaper'])).code, 0);
  await waitUntil('the setsid sleep ends with the job', () => !alive(stray), 10_000);
  await waitUntil('the job cgroup is removed once the job is gone', () => !existsSync(join(baseOf(d.socket), 'escaper')), 10_000);
});

test('expect exit 2: ready after the two exits of a double fork; the grandchild is the main process', { skip }, async () => {
  const out = join(d.dir, 'forker.pid');
  const r = await d.initctl(['start', 'forker', `OUT=${out}`]);
  assert.equal(r.code, 0, r.stderr);
  const daemonPid = Number((await waitForFile(out)).trim());
  strays.push(daemonPid);
  assert.equal((await d.initctl(['status', 'forker'])).stdout, `forker start/running, process ${daemonPid}\n`);
  assert.equal((await d.initctl(['stop', 'forker'])).code, 0);
  await waitUntil('the grandchild is stopped', () => !alive(daemonPid), 10_000);
});

test('expect fork: a stop still reaches the followed process\'s helper in another session', { skip }, async () => {
  const out = join(d.dir, 'forked.pid');
  const r = await d.initctl(['start', 'forked', `OUT=${out}`]);
  assert.equal(r.code, 0, r.stderr);
  const helper = Number((await waitForFile(out)).trim());
  strays.push(helper);
  assert.equal((await d.initctl(['stop', 'forked'])).code, 0);
  await waitUntil('the helper ends with its job', () => !alive(helper), 10_000);
});

test('the daemon removes its cgroups when it exits', { skip }, async () => {
  const base = baseOf(d.socket);
  assert.ok(existsSync(base), base);
  await d.stop();
  assert.equal(existsSync(base), false, `${base} holds ${existsSync(base) ? readdirSync(base).join(' ') : ''}`);
});

test('--no-cgroups: no cgroups are made, and a process that left the job process group outlives a stop (as in Upstart)', { skip }, async () => {
  const plain = await startDaemon({ escaper: `exec sh -c 'setsid sleep 6604 & echo $! > "${'$'}OUT"; exec sleep 6605'\n` }, { args: ['--no-cgroups'] });
  try {
    const out = join(plain.dir, 'escaper.pid');
    assert.equal((await plain.initctl(['start', 'escaper', `OUT=${out}`])).code, 0);
    const stray = Number((await waitForFile(out)).trim());
    strays.push(stray);
    assert.equal(existsSync(baseOf(plain.socket)), false);
    assert.equal((await plain.initctl(['stop', 'escaper'])).code, 0);
    assert.ok(alive(stray), 'the setsid sleep is not part of the job without cgroups');
  } finally {
    await plain.stop();
  }
});
