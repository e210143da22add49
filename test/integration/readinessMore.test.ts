// The rest of readiness through the real daemon: s6's notification fd, EXTEND_TIMEOUT_USEC, STOPPING=1/RELOADING=1 and MAINPID=.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { alive, startDaemon, waitUntil, jobStatus, type DaemonHandle } from './harness.ts';

const NOTIFY = (msg: string): string => `/usr/bin/python3 -c 'import os, socket, time; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"${msg}", os.environ["NOTIFY_SOCKET"]); time.sleep(1)'`;

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({
    // s6 style: the set-up (the marker file) happens before the newline on fd 3.
    s6: `notification fd 3\nscript\n  : > "$OUT.setup"\n  echo >&3\n  exec sleep 6821\nend script\n`,
    // Never writes the newline: the readiness wait times out.
    s6mute: `notification fd 4\nready timeout 1\nexec sleep 6822\n`,
    // Asks for 3 s more than its 1 s ready timeout, then says READY=1 after 2 s.
    slow: `expect ready\nready timeout 1\nscript\n  ${NOTIFY('EXTEND_TIMEOUT_USEC=4000000')}\n  : > "$OUT.extended"\n  while [ ! -e "$OUT.go" ]; do sleep 0.1; done\n  ${NOTIFY('READY=1')}\n  exec sleep 6823\nend script\n`,
    states: `expect ready\nscript\n  ${NOTIFY('READY=1')}\n  ${NOTIFY('RELOADING=1')}\n  : > "$OUT.said"\n  exec sleep 6824\nend script\n`,
  });
});
after(async () => {
  await d?.stop();
});

test('notification fd N: start returns once the process wrote a newline on fd N', async () => {
  const out = join(d.dir, 's6');
  const r = await d.initctl(['start', 's6', `OUT=${out}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await jobStatus(d, 's6')).state, 'running');
  assert.match((await d.initctl(['events'])).stdout, /event ready JOB=s6 INSTANCE=\n/);
});

test('notification fd that never gets a newline: the ready timeout fails the start', async () => {
  const r = await d.initctl(['start', 's6mute']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /not ready after 1 s/);
});

test('EXTEND_TIMEOUT_USEC keeps a readiness wait past its ready timeout', async () => {
  const out = join(d.dir, 'slow');
  assert.equal((await d.initctl(['start', '--no-wait', 'slow', `OUT=${out}`])).code, 0);
  await waitUntil('slow to extend its timeout', async () => {
    return existsSync(`${out}.extended`) ? true : undefined;
  });
  // At least 1.5 s: past the 1 s ready timeout it would have failed at (a slow machine only makes this check weaker, never wrong).
  const t0 = Date.now();
  await waitUntil('1.5 s to pass', () => (Date.now() - t0 > 1500 ? true : undefined), 5000, 100);
  assert.equal((await jobStatus(d, 'slow')).state, 'spawned');
  writeFileSync(`${out}.go`, '');
  await waitUntil('slow to be running', async () => ((await jobStatus(d, 'slow')).state === 'running' ? true : undefined));
});

test('RELOADING=1 shows in status --json as the readiness state', async () => {
  const out = join(d.dir, 'states');
  assert.equal((await d.initctl(['start', 'states', `OUT=${out}`])).code, 0);
  const st = await waitUntil('the state to show', async () => {
    const j = JSON.parse((await d.initctl(['status', '--json', 'states'])).stdout) as Array<{ readiness?: { state?: string } }>;
    return j[0]!.readiness?.state;
  });
  assert.equal(st, 'reloading');
});

test('MAINPID=: a child the shell started becomes the main process; the shell exiting does not stop the job, the child ending does', async () => {
  const py = join(d.dir, 'mainpid.py');
  // A daemon leaves its parent's session (setsid), as forking daemons do: the shell's exit hangs up its tty's group.
  writeFileSync(py, 'import os, socket, time\nos.setsid()\nsocket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(("MAINPID=%d\\nREADY=1" % os.getpid()).encode(), os.environ["NOTIFY_SOCKET"])\ntime.sleep(3600)\n');
  // The shell waits until init shows the child as main, then exits: init (a subreaper) reaps the child when it ends.
  d.writeJob('mainpid', `expect ready\nscript\n  /usr/bin/python3 ${py} &\n  child=$!\n  until initctl status mainpid | grep -q "process $child"; do sleep 0.1; done\n  echo $$ $child > ${d.dir}/mainpid.child\nend script\n`);
  await waitUntil('mainpid to be loaded', async () => ((await d.initctl(['status', 'mainpid'])).code === 0 ? true : undefined));
  assert.equal((await d.initctl(['start', 'mainpid'])).code, 0);
  const [shell, child] = (await waitForFileText(join(d.dir, 'mainpid.child'))).trim().split(' ').map(Number) as [number, number];
  await waitUntil('the shell to be gone', () => (alive(shell) ? undefined : true));
  const s = await jobStatus(d, 'mainpid');
  assert.deepEqual([s.state, s.pid], ['running', child]);
  process.kill(child, 'SIGTERM');
  await waitUntil('mainpid to stop with its child', async () => ((await jobStatus(d, 'mainpid')).goal === 'stop' ? true : undefined));
});

async function waitForFileText(path: string): Promise<string> {
  return waitUntil(`${path} to be written`, () => {
    try {
      const t = readFileSync(path, 'utf8');
      return t.endsWith('\n') ? t : undefined;
    } catch {
      return undefined;
    }
  });
}
