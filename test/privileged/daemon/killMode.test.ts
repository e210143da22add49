// Privileged: kill mode (ours) across restart, and an nginx-like crash loop that must trip the respawn limit with nothing left in its cgroup.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sessionCgroupBase } from '../../../src/daemon/jobCgroups.ts';
import { findOwnCgroup } from '../../../src/process/cgroupTree.ts';
import { alive, killIfAlive, startDaemon, waitUntil, type DaemonHandle, freePort } from '../../integration/harness.ts';
import { cgroupsUsable } from '../../integration/cgroupHelpers.ts';

const why = cgroupsUsable() || (existsSync('/usr/bin/python3') ? '' : 'needs /usr/bin/python3');
if (why) console.log(`# skipping kill modes: ${why}`);
const skip = why || false;

const own = findOwnCgroup();
const NGINX = fileURLToPath(new URL('./fixtures/nginxLike.py', import.meta.url));
/**
 * A main process that forks a child which makes a session of its own, as sshd's sessions do (a
 * child left in main's session would get SIGHUP from its pty when main, the session leader, ends).
 */
const forking = (n: number): string => `exec sh -c 'setsid sleep ${n} & echo $! >> "${'$'}OUT"; exec sleep ${n + 1}'\n`;

let d: DaemonHandle;
const strays: number[] = [];


/** The session id of a process (field 6 of /proc/PID/stat), or undefined when it is gone. */
function sessionOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  } catch {
    return undefined;
  }
}

const pidsIn = (file: string): number[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : []);

before(async () => {
  if (skip) return;
  d = await startDaemon({
    keeper: `kill mode process\n${forking(6621)}`,
    plain: forking(6631),
    mixed: `kill mode mixed\nkill timeout 1\n${forking(6641)}`,
  });
});

after(async () => {
  for (const p of strays) killIfAlive(p);
  await d?.stop();
});

async function startRecording(job: string): Promise<string> {
  const out = join(d.dir, `${job}.children`);
  const r = await d.initctl(['start', job, `OUT=${out}`]);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil(`${job} records its child`, () => pidsIn(out).length === 1);
  strays.push(...pidsIn(out));
  const [child] = pidsIn(out);
  // Until setsid has run the child is still in main's session (the pty's SIGHUP would reach it).
  await waitUntil(`${job}'s child leads a session of its own`, () => sessionOf(child!) === child);
  return out;
}

test('kill mode process: restart signals only the main process; the child it forked stays (sshd sessions)', { skip }, async () => {
  const out = await startRecording('keeper');
  const [child] = pidsIn(out);
  assert.equal((await d.initctl(['restart', 'keeper'])).code, 0);
  await waitUntil('the restarted main records its own child', () => pidsIn(out).length === 2);
  strays.push(...pidsIn(out));
  assert.match((await d.initctl(['status', 'keeper'])).stdout, /^keeper start\/running, process \d+\n$/);
  assert.ok(alive(child!), 'the first child outlived the restart');
});

test('kill mode cgroup (the default): restart kills the child the main process forked', { skip }, async () => {
  const out = await startRecording('plain');
  const [child] = pidsIn(out);
  assert.equal((await d.initctl(['restart', 'plain'])).code, 0);
  await waitUntil('the first child is gone', () => !alive(child!), 10_000);
  await waitUntil('the restarted main records its own child', () => pidsIn(out).length === 2);
  strays.push(...pidsIn(out));
});

test('kill mode mixed: TERM to main only, the rest is killed once main is gone', { skip }, async () => {
  const out = await startRecording('mixed');
  const [child] = pidsIn(out);
  assert.equal((await d.initctl(['stop', 'mixed'])).code, 0);
  await waitUntil('the child is gone with its job', () => !alive(child!), 10_000);
});

test('an nginx-like job (master SIGKILLed, its worker keeps the port) stops at its respawn limit, nothing left in its cgroup', { skip }, async () => {
  const port = await freePort();
  const workers = join(d.dir, 'nginx.workers');
  // The default limit (10 in 5 s) is checked on a fake clock (test/unit/job/killMode.test.ts); a
  // wider window here keeps the test reliable on a loaded machine. Without the sweep before each
  // respawn it also trips (each new master gives up binding after 2.5 s), but with the port taken:
  // one master bound, and a worker left in the cgroup.
  d.writeJob('nginx', `respawn\nrespawn limit 10 30\nexec /usr/bin/python3 ${NGINX} ${port} ${workers}\n`);
  await waitUntil('the daemon knows nginx', async () => (await d.initctl(['status', 'nginx'])).code === 0);
  const t0 = performance.now();
  assert.equal((await d.initctl(['start', 'nginx'])).code, 0);
  await waitUntil('nginx stops at its respawn limit', () => d.stderr().includes('nginx respawning too fast, stopped'), 30_000);
  const took = performance.now() - t0;
  strays.push(...pidsIn(workers));
  const seen = pidsIn(workers);
  process.stdout.write(`# nginx-like: ${seen.length} masters bound the port and were killed in ${took.toFixed(0)} ms\n`);
  // The first start and 10 respawns: every master bound the port,
  // because every respawn came after the leftover worker was killed.
  assert.equal(seen.length, 11, `workers ${seen.join(' ')}`);
  await waitUntil('every worker is gone', () => seen.every((p) => !alive(p)), 10_000);
  const cg = join(own!.mount, own!.path, sessionCgroupBase(d.socket), 'nginx');
  await waitUntil('the job cgroup is empty and removed', () => !existsSync(cg) || readFileSync(join(cg, 'cgroup.procs'), 'utf8') === '', 10_000);
  const st = await d.initctl(['status', 'nginx']);
  assert.equal(st.stdout, 'nginx stop/waiting\n\tlast start failed: respawning too fast (more than 10 respawns within 30 s: respawn limit 10 30)\n');
});
