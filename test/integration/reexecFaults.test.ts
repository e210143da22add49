// Re-exec faults: ten requests at once make one re-exec at a time; an execve that fails is logged and the old image carries on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobStatus, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

const daemons: DaemonHandle[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
});

const COUNTER = 'start on startup\nscript\n  i=0\n  while true; do echo "$i"; i=$((i+1)); sleep 0.01; done\nend script\n';
const counterLines = (d: DaemonHandle): number[] => readFileSync(join(d.logdir, 'counter.log'), 'utf8').split('\n').filter((l) => l !== '').map(Number);

test('ten re-exec requests at once: every one answered, one re-exec at a time, pids unchanged', async () => {
  const d = await startDaemon({ svc: 'start on startup\nexec sleep 600\n', counter: COUNTER });
  daemons.push(d);
  const svc = (await waitForStatus(d, 'svc', 'start/running')).pid;
  await waitForStatus(d, 'counter', 'start/running');
  const rs = await Promise.all(Array.from({ length: 10 }, () => d.initctl(['reexec'])));
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  // The replies come before the exec, and the old image answers requests until it execs: the new
  // image is the one that says it carried on.
  const carriedOn = (): number => (d.stderr().match(/re-executed: carried on/g) ?? []).length;
  await waitUntil('the new image to start', () => carriedOn() > 0, 20_000, 5);
  await waitUntil('the new image to answer', async () => (await d.initctl(['list'])).code === 0, 10_000, 5);
  const n = carriedOn();
  assert.ok(n >= 1 && n <= 10, `${n} re-execs`);
  assert.equal((await jobStatus(d, 'svc')).pid, svc);
  const lines = counterLines(d);
  lines.forEach((v, i) => assert.equal(v, i, `counter.log line ${i + 1}`));
});

test('an execve that fails (the node binary replaced by something that cannot run) is logged; the old image carries on, logs too', async () => {
  // The daemon runs on its own name for the node binary, so that name can be broken under it.
  const dir = join(process.env.TMPDIR ?? '/tmp', `reexec-node-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const node = join(dir, 'node');
  try {
    linkSync(process.execPath, node);
  } catch {
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  try {
    const d = await startDaemon({ svc: 'start on startup\nexec sleep 600\n', counter: COUNTER }, { node });
    daemons.push(d);
    const svc = (await waitForStatus(d, 'svc', 'start/running')).pid;
    await waitForStatus(d, 'counter', 'start/running');
    rmSync(node);
    writeFileSync(node, 'not a program\n', { mode: 0o755 });
    const r = await d.initctl(['reexec']);
    assert.equal(r.code, 0, r.stderr);
    await waitUntil('the failure to be logged', () => /re-exec failed, carrying on: .*execve/.test(d.stderr()), 10_000);
    assert.equal((await jobStatus(d, 'svc')).pid, svc);
    const seen = counterLines(d).length;
    await waitUntil('the counter log to go on', () => counterLines(d).length > seen + 20, 10_000);
    counterLines(d).forEach((v, i) => assert.equal(v, i, `counter.log line ${i + 1}`));
    assert.equal(d.proc.exitCode, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
