// Readiness as events through the real daemon: READY=1 on $NOTIFY_SOCKET (sd_notify) or `initctl notify-ready` emits `ready JOB=… INSTANCE=…`, which `expect` can wait for.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { INITCTL, startDaemon, waitForFile, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

/**
 * What sd_notify(0, "READY=1") does: one datagram to $NOTIFY_SOCKET (python3 stands in for a daemon
 * linked with libsystemd). It stays a moment: the daemon must find the sender alive to know its job.
 */
const SD_NOTIFY = `python3 -c 'import os, socket, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1\\nSTATUS=up", os.environ["NOTIFY_SOCKET"]); time.sleep(10)'`;

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({
    // Main starts, does its set-up (the marker), says READY=1 itself, and serves.
    notifier: `expect ready JOB=$UPSTART_JOB\nscript\n  echo "$NOTIFY_SOCKET" > "$OUT.socket"\n  : > "$OUT.setup"\n  exec python3 -c 'import os, socket, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"]); time.sleep(3600)'\nend script\n`,
    // A shell whose child says it: the sender is a descendant of the main process.
    child: `expect ready JOB=$UPSTART_JOB\nscript\n  ${SD_NOTIFY}\n  exec sleep 6801\nend script\n`,
    // initctl notify-ready from the job's own script.
    scripted: `expect ready JOB=$UPSTART_JOB\nscript\n  ${INITCTL} notify-ready\n  exec sleep 6802\nend script\n`,
    // Waits for a readiness nobody gives.
    waiting: `expect ready JOB=$UPSTART_JOB\nexec sleep 6803\n`,
    // Readiness as an event for others: started when notifier is ready.
    dependant: `start on ready JOB=notifier\nexec sleep 6804\n`,
    plain: `exec sh -c 'echo "NOTIFY_SOCKET=\${NOTIFY_SOCKET-unset}" > "$OUT"; exec sleep 6805'\n`,
  });
});
after(async () => {
  await d?.stop();
});

test('READY=1 on $NOTIFY_SOCKET: start returns once the job said it is ready; the event starts its dependants', async () => {
  const out = join(d.dir, 'notifier');
  const r = await d.initctl(['start', 'notifier', `OUT=${out}`]);
  assert.equal(r.code, 0, r.stderr);
  // start returns at running, which needs ready, which the process said after its set-up.
  assert.ok(existsSync(`${out}.setup`));
  assert.match((await d.initctl(['status', 'notifier'])).stdout, /^notifier start\/running, process \d+\n$/);
  assert.equal(readFileSync(`${out}.socket`, 'utf8').trim(), `${d.socket}.notify`);
  await waitForStatus(d, 'dependant', 'start/running');
  const events = (await d.initctl(['events'])).stdout;
  assert.match(events, /event ready JOB=notifier INSTANCE=\n/);
});

test("a descendant of the main process may say it; initctl notify-ready says it for the calling job", async () => {
  for (const job of ['child', 'scripted']) {
    const r = await d.initctl(['start', job]);
    assert.equal(r.code, 0, `${job}: ${r.stderr}`);
    assert.match((await d.initctl(['status', job])).stdout, new RegExp(`^${job} start/running, process \\d+\\n$`));
  }
  // The child also said STATUS=up: status --json shows the last one.
  const st = JSON.parse((await d.initctl(['status', '--json', 'child'])).stdout) as Array<{ notifyStatus?: string }>;
  assert.equal(st[0]!.notifyStatus, 'up');
});

test('READY=1 from a process outside every job is ignored; the job waits on, and a stop still works', async () => {
  assert.equal((await d.initctl(['start', '--no-wait', 'waiting'])).code, 0);
  await waitForStatus(d, 'waiting', 'start/spawned');
  // Not a job's process: a child of the test runner.
  execFileSync('python3', ['-c', `import socket, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", "${d.socket}.notify"); time.sleep(1)`]);
  await waitUntil('the daemon to say it ignored it', () => d.stderr().includes("which is not a job's process"));
  assert.match((await d.initctl(['status', 'waiting'])).stdout, /^waiting start\/spawned, process \d+\n$/);
  assert.equal((await d.initctl(['stop', 'waiting'])).code, 0);
});

test('jobs that wait for no condition do not get NOTIFY_SOCKET', async () => {
  const out = join(d.dir, 'plain.env');
  assert.equal((await d.initctl(['start', 'plain', `OUT=${out}`])).code, 0);
  assert.equal(await waitForFile(out), 'NOTIFY_SOCKET=unset\n');
});
