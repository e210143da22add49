// Session mode SIGTERM: emits session-end, stops every job (a stubborn one by KILL), the daemon exits, no job process is left.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, cmdline, descendants, jobProcesses, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({});
  const dir = d.dir;
  writeFileSync(join(dir, 'fork-once.sh'), '#!/bin/sh\nsleep 6301 &\nexit 0\n');
  chmodSync(join(dir, 'fork-once.sh'), 0o755);
  d.writeJob('plain', `exec sleep 6302\npost-stop exec sh -c 'echo "$EXIT_SIGNAL" > ${dir}/plain.post-stop'\n`);
  d.writeJob('stubborn', "kill timeout 1\nscript\n  trap '' TERM\n  exec sleep 6303\nend script\n");
  d.writeJob('forker', `expect fork\nexec ${join(dir, 'fork-once.sh')}\n`);
  // A background child in the job's process group goes with it.
  d.writeJob('family', 'script\n  sleep 6304 &\n  exec sleep 6305\nend script\n');
  d.writeJob('inst', 'instance $N\nexec sleep 6306\n');
  d.writeJob('goodbye', `start on session-end\ntask\nexec sh -c 'echo "bye from $UPSTART_EVENTS" > ${dir}/goodbye.out'\n`);
  d.writeJob('dependent', 'start on started plain\nstop on stopping plain\nexec sleep 6307\n');
  await waitForStatus(d, 'dependent', 'stop/waiting');
});

after(async () => {
  await d?.stop();
});

test('SIGTERM: session-end runs, every job stops, the daemon exits 0 and leaves no process behind', async () => {
  for (const args of [['start', 'plain'], ['start', 'stubborn'], ['start', 'forker'], ['start', 'family'], ['start', 'inst', 'N=1'], ['start', 'inst', 'N=2']]) {
    const r = await d.initctl(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  await waitForStatus(d, 'dependent', 'start/running');
  const want = ['sleep 6301', 'sleep 6302', 'sleep 6303', 'sleep 6304', 'sleep 6305', 'sleep 6306', 'sleep 6307'];
  const pids = await waitUntil('every job process to run', () => {
    const all = descendants(d.proc.pid!);
    const named = all.filter((p) => want.includes(cmdline(p)?.join(' ') ?? ''));
    return named.length === want.length + 1 ? all : undefined; // two `inst` instances
  });
  const tracked = jobProcesses(d.socket);
  assert.ok(tracked.length >= want.length + 1, `job processes found by their environment: ${tracked.join(' ')}`);
  const exited = new Promise<number | null>((r) => d.proc.once('exit', (code) => r(code)));
  const t0 = Date.now();
  d.proc.kill('SIGTERM');
  const code = await exited;
  assert.equal(code, 0, d.stderr());
  assert.ok(Date.now() - t0 < 15_000, `shutdown took ${Date.now() - t0} ms`);
  assert.equal(readFileSync(join(d.dir, 'goodbye.out'), 'utf8'), 'bye from session-end\n');
  assert.equal(readFileSync(join(d.dir, 'plain.post-stop'), 'utf8'), 'TERM\n');
  await waitUntil('every job process to be gone', () => pids.every((p) => !alive(p)), 5000);
  // Including those started during the shutdown (session-end's task, post-stop), wherever they went.
  assert.deepEqual(jobProcesses(d.socket).map((p) => `${p}: ${cmdline(p)?.join(' ')}`), []);
});
