// Privileged: jobs whose cgroup names used to collide (a-b vs a+b, net/apache vs net_apache) run and stop independently.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOwnCgroup } from '../../../src/process/cgroupTree.ts';
import { cgroupName } from '../../../src/model/instanceRef.ts';
import { sessionCgroupBase } from '../../../src/daemon/jobCgroups.ts';
import { alive, killIfAlive, startDaemon, waitForFile, waitUntil, type DaemonHandle } from '../../integration/harness.ts';
import { cgroupsUsable, cgroupOf } from '../../integration/cgroupHelpers.ts';

const why = cgroupsUsable();
if (why) console.log(`# skipping cgroup names: ${why}`);
const skip = why || false;

const own = findOwnCgroup();

// Each job writes its main pid to $OUT and sleeps; the background sleep in its own session is only reachable through its cgroup.
const job = (n: number): string => `exec sh -c 'setsid sleep ${n} & echo $! > "$OUT"; exec sleep ${n + 1}'\n`;

let d: DaemonHandle;
const strays: number[] = [];

before(async () => {
  if (skip) return;
  d = await startDaemon({
    'a-b': job(6611),
    a: `instance $X\n${job(6613)}`,
    'net/apache': job(6615),
    net_apache: job(6617),
  });
});

after(async () => {
  for (const p of strays) killIfAlive(p);
  await d?.stop();
});

async function startWithStray(args: string[], file: string): Promise<number> {
  const out = join(d.dir, file);
  const r = await d.initctl(['start', ...args, `OUT=${out}`]);
  assert.equal(r.code, 0, r.stderr);
  const stray = Number((await waitForFile(out)).trim());
  strays.push(stray);
  return stray;
}

async function pair(first: { args: string[]; job: string; instance: string }, second: { args: string[]; job: string; instance: string }): Promise<void> {
  const base = `${own!.path === '/' ? '' : own!.path}/${sessionCgroupBase(d.socket)}`;
  const s1 = await startWithStray(first.args, `${first.job.replace('/', '_')}-1.pid`);
  const s2 = await startWithStray(second.args, `${second.job.replace('/', '_')}-2.pid`);
  assert.equal(cgroupOf(s1), `${base}/${cgroupName(first.job, first.instance)}`);
  assert.equal(cgroupOf(s2), `${base}/${cgroupName(second.job, second.instance)}`);
  assert.notEqual(cgroupOf(s1), cgroupOf(s2));
  // Stopping the first reaches its stray and leaves the second, stray and all, running.
  assert.equal((await d.initctl(['stop', ...first.args])).code, 0);
  await waitUntil(`${first.job}'s stray ends with it`, () => !alive(s1), 10_000);
  assert.ok(alive(s2), `${second.job}'s stray survived the stop of ${first.job}`);
  const st = await d.initctl(['status', ...second.args]);
  assert.match(st.stdout, /start\/running, process \d+\n$/, st.stdout);
  const dir2 = join(own!.mount, cgroupOf(s2));
  assert.ok(existsSync(dir2) && readFileSync(join(dir2, 'cgroup.procs'), 'utf8').split('\n').includes(String(s2)));
  assert.equal((await d.initctl(['stop', ...second.args])).code, 0);
  await waitUntil(`${second.job}'s stray ends with it`, () => !alive(s2), 10_000);
}

test('job a-b and instance b of job a have cgroups of their own', { skip }, async () => {
  await pair({ args: ['a-b'], job: 'a-b', instance: '' }, { args: ['a', 'X=b'], job: 'a', instance: 'b' });
});

test('job net/apache and job net_apache have cgroups of their own', { skip }, async () => {
  await pair({ args: ['net_apache'], job: 'net_apache', instance: '' }, { args: ['net/apache'], job: 'net/apache', instance: '' });
});
