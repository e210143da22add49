// expect fork / expect daemon against real forking programs (followed with ptrace), and expect stop against a self-SIGSTOP.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, cmdline, descendants, jobStatus, parentPid, procState, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
/** Why the C daemon test cannot run (no compiler), or undefined. */
let noCompiler: string | undefined;

// A classic daemon: fork, parent exits; setsid; fork again, first child exits; the grandchild runs.
const DAEMON_C = `
#include <stdlib.h>
#include <unistd.h>
int main(void) {
  pid_t p = fork();
  if (p < 0) return 1;
  if (p > 0) _exit(0);
  setsid();
  p = fork();
  if (p < 0) return 1;
  if (p > 0) _exit(0);
  if (chdir("/") != 0) return 1;
  char *argv[] = { "sleep", "6003", NULL };
  execvp("sleep", argv);
  return 1;
}
`;

before(async () => {
  d = await startDaemon({});
  const dir = d.dir;
  // Forks once: the child (sleep) is the daemon, the parent exits at once.
  writeFileSync(join(dir, 'fork-once.sh'), '#!/bin/sh\nsleep 6001 &\nexit 0\n');
  // Forks twice: a subshell forks sleep into the background and exits, then the parent exits.
  writeFileSync(join(dir, 'fork-twice.sh'), '#!/bin/sh\n( sleep 6002 & )\nexit 0\n');
  chmodSync(join(dir, 'fork-once.sh'), 0o755);
  chmodSync(join(dir, 'fork-twice.sh'), 0o755);
  try {
    writeFileSync(join(dir, 'daemon.c'), DAEMON_C);
    execFileSync('cc', ['-O0', '-o', join(dir, 'cdaemon'), join(dir, 'daemon.c')], { stdio: 'pipe' });
  } catch (err) {
    noCompiler = `cannot build the C daemon: ${(err as Error).message.split('\n')[0]}`;
  }
  d.writeJob('forker', `expect fork\nexec ${join(dir, 'fork-once.sh')}\n`);
  d.writeJob('daemonizer', `expect daemon\nexec ${join(dir, 'fork-twice.sh')}\n`);
  d.writeJob('cdaemon', `expect daemon\nexec ${join(dir, 'cdaemon')}\n`);
  d.writeJob('stopper', [
    'expect stop',
    'script',
    `  while [ ! -e ${join(dir, 'gate')} ]; do sleep 0.05; done`,
    '  kill -STOP $$',
    '  exec sleep 6004',
    'end script',
    '',
  ].join('\n'));
  await waitForStatus(d, 'stopper', 'stop/waiting');
});

after(async () => {
  await d?.stop();
});

/** Starts a job, checks status names the final daemon (by its argv), stops it and checks it is gone. */
async function followAndStop(job: string, argv: string[]): Promise<void> {
  const r = await d.initctl(['start', job]);
  assert.equal(r.code, 0, r.stderr);
  const m = new RegExp(`^${job} start/running, process (\\d+)\\n$`).exec(r.stdout);
  assert.ok(m, r.stdout);
  const pid = Number(m[1]);
  // Ready comes at the fork; the child may not have exec'd yet.
  await waitUntil(`${pid} to run ${argv.join(' ')}`, () => cmdline(pid)?.join(' ') === argv.join(' '));
  // The daemon is reparented to upstart (a child subreaper); the processes that forked are gone, not zombies.
  await waitUntil(`${job}'s daemon to be upstart's child`, () => parentPid(pid) === d.proc.pid);
  assert.equal((await jobStatus(d, job)).pid, pid);
  const list = await d.initctl(['list']);
  assert.match(list.stdout, new RegExp(`^${job} start/running, process ${pid}$`, 'm'));
  const s = await d.initctl(['stop', job]);
  assert.equal(s.stdout, `${job} stop/waiting\n`);
  await waitUntil(`${pid} to be gone`, () => !alive(pid));
}

test('expect fork: status shows the forked child, stop kills it', async () => {
  await followAndStop('forker', ['sleep', '6001']);
});

test('expect daemon: status shows the process after the second fork, stop kills it', async () => {
  await followAndStop('daemonizer', ['sleep', '6002']);
});

test('expect daemon: a C daemon (fork, setsid, fork, exec)', async (t) => {
  if (noCompiler !== undefined) {
    t.skip(noCompiler);
    return;
  }
  await followAndStop('cdaemon', ['sleep', '6003']);
});

test('expect daemon: a program that only forks once never becomes running and can be stopped', async () => {
  d.writeJob('short', `expect daemon\nexec ${join(d.dir, 'fork-once.sh')}\n`);
  await waitForStatus(d, 'short', 'stop/waiting');
  const r = await d.initctl(['start', '--no-wait', 'short']);
  assert.equal(r.code, 0, r.stderr);
  const s = await waitForStatus(d, 'short', 'start/spawned');
  // The shell forked once and exited; the child it left (still followed) stands for the job now.
  const child = await waitUntil('the forked sleep', () => descendants(d.proc.pid!).find((p) => cmdline(p)?.join(' ') === 'sleep 6001'));
  const stop = await d.initctl(['stop', 'short']);
  assert.equal(stop.code, 0, stop.stderr);
  await waitForStatus(d, 'short', 'stop/waiting');
  if (s.pid !== undefined) await waitUntil('the spawned pid to be gone', () => !alive(s.pid!));
  await waitUntil('the forked sleep to be gone', () => !alive(child));
});

test('expect stop: running only after the process stops itself; then it is continued', async () => {
  const r = await d.initctl(['start', '--no-wait', 'stopper']);
  assert.equal(r.code, 0, r.stderr);
  // Status shows the process once its pid is known (an asynchronous spawn's comes a moment after the state).
  const before = await waitUntil('stopper to be start/spawned with its pid', async () => {
    const st = await jobStatus(d, 'stopper');
    return `${st.goal}/${st.state}` === 'start/spawned' && st.pid !== undefined ? { ...st, pid: st.pid } : undefined;
  });
  assert.notEqual(procState(before.pid), 'T');
  writeFileSync(join(d.dir, 'gate'), '');
  const s = await waitForStatus(d, 'stopper', 'start/running');
  assert.equal(s.pid, before.pid);
  await waitUntil('the process to exec sleep', () => cmdline(s.pid!)?.join(' ') === 'sleep 6004');
  assert.notEqual(procState(s.pid!), 'T');
  const stop = await d.initctl(['stop', 'stopper']);
  assert.equal(stop.stdout, 'stopper stop/waiting\n');
  await waitUntil('stopper to be gone', () => !alive(s.pid!));
});
