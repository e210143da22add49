// Issue 15 through the real daemon: a readiness wait that never ends fails with a reason status shows; hand-sent lifecycle events; one instance per stop.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, waitForFile, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
/** Where the watcher instances write their environment (the daemon passes it on: `env FIDELITY_OUT`). */
const out = mkdtempSync(join(tmpdir(), 'upstart-fidelity-'));
before(async () => {
  d = await startDaemon({
    // Waits for an event nobody sends, for at most a second.
    hangs: 'expect on never-happens\nready timeout 1\nexec sleep 6811\n',
    // Jobs that follow names that are no job of ours.
    follower: 'start on started bravo\nstop on stopping bravo\nexec sleep 6812\n',
    pair: 'start on started bravo and started charlie\nexec sleep 6813\n',
    // One instance per stop, each with its own RESULT.
    a: 'exec sleep 6814\n',
    b: 'exec sleep 6815\n',
    c: 'task\nexec true\n',
    watcher: 'env FIDELITY_OUT\ninstance $JOB\nstart on stopped JOB=a or stopped JOB=b or stopped JOB=c\nscript\n  env > "$FIDELITY_OUT/$JOB.tmp"\n  mv "$FIDELITY_OUT/$JOB.tmp" "$FIDELITY_OUT/$JOB.env"\n  exec sleep 6816\nend script\n',
  }, { env: { FIDELITY_OUT: out } });
});
after(async () => {
  await d?.stop();
  rmSync(out, { recursive: true, force: true });
});

test('a readiness wait that never ends fails after its ready timeout; initctl says why', async () => {
  const r = await d.initctl(['start', 'hangs']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "initctl: Job failed to start: main process: not ready after 1 s (expect CONDITION; see 'ready timeout')\n");
  await waitForStatus(d, 'hangs', 'stop/waiting');
  const st = await d.initctl(['status', 'hangs']);
  assert.equal(st.stdout, "hangs stop/waiting\n\tlast start failed: main process: not ready after 1 s (expect CONDITION; see 'ready timeout')\n");
  const js = JSON.parse((await d.initctl(['status', '--json', 'hangs'])).stdout) as Array<{ lastFailure?: string }>;
  assert.match(js[0]?.lastFailure ?? '', /not ready after 1 s/);
});

test('initctl emit started JOB=bravo, bravo being no job, starts start on started bravo; the and of two; stopping stops', async () => {
  assert.equal((await d.initctl(['emit', 'started', 'JOB=bravo', 'INSTANCE='])).code, 0);
  await waitForStatus(d, 'follower', 'start/running');
  assert.match((await d.initctl(['status', 'pair'])).stdout, /^pair stop\/waiting\n/);
  assert.equal((await d.initctl(['emit', 'started', 'JOB=charlie', 'INSTANCE='])).code, 0);
  await waitForStatus(d, 'pair', 'start/running');
  assert.equal((await d.initctl(['emit', 'stopping', 'JOB=bravo', 'INSTANCE=', 'RESULT=ok'])).code, 0);
  await waitForStatus(d, 'follower', 'stop/waiting');
});

test('stopped JOB=a or stopped JOB=b or stopped JOB=c with instance $JOB: three instances', async () => {
  for (const j of ['a', 'b']) assert.equal((await d.initctl(['start', j])).code, 0);
  assert.equal((await d.initctl(['stop', 'a'])).code, 0);
  assert.equal((await d.initctl(['stop', 'b'])).code, 0);
  assert.equal((await d.initctl(['start', 'c'])).code, 0);
  const lines = await waitUntil('three watcher instances', async () => {
    const out = (await d.initctl(['status', 'watcher'])).stdout.split('\n').filter((l) => l !== '');
    return out.length === 3 && out.every((l) => / start\/running, process \d+$/.test(l)) ? out : undefined;
  });
  assert.deepEqual(lines.map((l) => l.replace(/, process \d+$/, '')), ['watcher (a) start/running', 'watcher (b) start/running', 'watcher (c) start/running']);
  const env = async (inst: string) => {
    await waitForFile(join(out, `${inst}.env`));
    return readFileSync(join(out, `${inst}.env`), 'utf8').split('\n').filter((l) => /^(JOB|RESULT|PROCESS|EXIT_STATUS|EXIT_SIGNAL)=/.test(l)).sort();
  };
  assert.deepEqual(await env('a'), ['EXIT_SIGNAL=TERM', 'JOB=a', 'PROCESS=main', 'RESULT=ok']);
  assert.deepEqual(await env('b'), ['EXIT_SIGNAL=TERM', 'JOB=b', 'PROCESS=main', 'RESULT=ok']);
  assert.deepEqual(await env('c'), ['EXIT_STATUS=0', 'JOB=c', 'PROCESS=main', 'RESULT=ok'], "c's instance carries c's exit, not a's or b's");
});
