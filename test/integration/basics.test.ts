// End to end: job files → the real daemon → real processes → initctl start/stop/status/list/emit.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({
    svc: 'exec sleep 600\n',
    task1: 'task\nstart on go\nscript\n  echo "task ran with FOO=$FOO"\nend script\n',
    'net/web': 'start on started svc\nstop on stopping svc\nexec sleep 600\n',
    failing: 'start on go-fail\ntask\nexec false\n',
    missing: 'exec /nonexistent/binary --flag\n',
  });
});

after(async () => {
  await d?.stop();
});

test('status of a job that never ran', async () => {
  const r = await d.initctl(['status', 'svc']);
  assert.equal(r.stdout, 'svc stop/waiting\n');
  assert.equal(r.code, 0);
});

test('unknown job is an error in Upstart words', async () => {
  const r = await d.initctl(['status', 'nope']);
  assert.equal(r.stderr, 'initctl: Unknown job: nope\n');
  assert.notEqual(r.code, 0);
});

test('start runs a real process; started events start dependants; stop stops both', async () => {
  const r = await d.initctl(['start', 'svc']);
  assert.equal(r.code, 0, r.stderr);
  const m = /^svc start\/running, process (\d+)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const pid = Number(m[1]);
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  assert.equal(cmdline, 'sleep\u0000600\u0000');
  const web = await waitUntil('net/web to run', async () => {
    const s = await d.initctl(['status', 'net/web']);
    return /^net\/web start\/running, process \d+\n$/.test(s.stdout) ? s.stdout : '';
  });
  assert.match(web, /running/);
  const again = await d.initctl(['start', 'svc']);
  assert.equal(again.stderr, 'initctl: Job is already running: svc\n');
  const list = await d.initctl(['list']);
  assert.match(list.stdout, /^svc start\/running, process \d+$/m);
  assert.match(list.stdout, /^task1 stop\/waiting$/m);
  const s = await d.initctl(['stop', 'svc']);
  assert.equal(s.stdout, 'svc stop/waiting\n');
  await waitUntil('sleep to be gone', () => { try { readFileSync(`/proc/${pid}/stat`); return false; } catch { return true; } });
  await waitUntil('net/web to stop', async () => (await d.initctl(['status', 'net/web'])).stdout === 'net/web stop/waiting\n');
  const s2 = await d.initctl(['stop', 'svc']);
  assert.equal(s2.stderr, 'initctl: Job has already been stopped: svc\n');
});

test('emit waits for the task it starts; the task sees the event env; its output is in its log', async () => {
  const r = await d.initctl(['emit', 'go', 'FOO=bar']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await d.initctl(['status', 'task1'])).stdout, 'task1 stop/waiting\n');
  const log = readFileSync(join(d.logdir, 'task1.log'), 'utf8');
  assert.match(log, /task ran with FOO=bar/);
});

test('emit reports a job that failed', async () => {
  const r = await d.initctl(['emit', 'go-fail']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^initctl: .*failed/m);
});

test('a job whose binary is missing says why it failed', async () => {
  const r = await d.initctl(['start', 'missing']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^initctl: Job failed to start: main process: .*No such file or directory/m);
});
