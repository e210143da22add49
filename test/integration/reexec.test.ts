// Stateful re-exec (initctl reexec): same daemon pid, same job pids, transitions carry on, logs have no gap, a 3-event `and` keeps what it saw.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobStatus, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({
    svc: 'start on startup\nexec sleep 600\n',
    counter: [
      'start on startup',
      'script',
      '  i=0',
      '  while true; do echo "$i"; i=$((i+1)); sleep 0.01; done',
      'end script',
      '',
    ].join('\n'),
    slowstart: 'pre-start exec sleep 3\nexec sleep 600\n',
    stubborn: 'kill timeout 3\nscript\n  trap \'\' TERM\n  exec sleep 600\nend script\n',
    triple: 'start on (ev-a and ev-b and ev-c)\nexec sleep 600\n',
  });
  await waitForStatus(d, 'svc', 'start/running');
  await waitForStatus(d, 'counter', 'start/running');
});

after(async () => {
  await d?.stop();
});

/** `initctl reexec`, then the first `initctl list` the new image answers; returns the ms between the two. */
async function reexec(): Promise<number> {
  const carriedOn = (): number => (d.stderr().match(/re-executed: carried on/g) ?? []).length;
  const before = carriedOn();
  const t0 = performance.now();
  const r = await d.initctl(['reexec']);
  assert.equal(r.code, 0, r.stderr);
  // The old image answers requests until it execs (the reply comes first): a `list` it answered is not the new one's.
  await waitUntil('the new image to answer', async () => carriedOn() > before && (await d.initctl(['list'])).code === 0, 10_000, 5);
  return performance.now() - t0;
}

function counterLines(): number[] {
  return readFileSync(join(d.logdir, 'counter.log'), 'utf8').split('\n').filter((l) => l !== '').map(Number);
}

test('a re-exec keeps every pid, carries transitions on where they were, and the counter log has no gap or duplicate', async () => {
  const daemonPid = d.proc.pid!;
  const svc = (await jobStatus(d, 'svc')).pid!;
  const counter = (await jobStatus(d, 'counter')).pid!;
  // Mid-transition: a pre-start sleeping 3 s, and a stop waiting on its 3 s kill timeout.
  assert.equal((await d.initctl(['start', '--no-wait', 'slowstart'])).code, 0);
  await waitForStatus(d, 'slowstart', 'start/pre-start');
  assert.equal((await d.initctl(['start', 'stubborn'])).code, 0);
  const stubborn = (await waitForStatus(d, 'stubborn', 'start/running')).pid!;
  await waitUntil('sleep to ignore TERM', () => /SigIgn:\s*[0-9a-f]*[4-7cdef][0-9a-f]{3}$/m.test(readFileSync(`/proc/${stubborn}/status`, 'utf8')));
  assert.equal((await d.initctl(['stop', '--no-wait', 'stubborn'])).code, 0);
  const stopAsked = performance.now();
  await waitForStatus(d, 'stubborn', 'stop/killed');
  // Two of the three events of an `and`.
  assert.equal((await d.initctl(['emit', 'ev-a'])).code, 0);
  assert.equal((await d.initctl(['emit', 'ev-b'])).code, 0);

  assert.equal((await d.initctl(['log-priority', 'info'])).code, 0);
  const downtimes: number[] = [];
  for (let i = 0; i < 3; i++) downtimes.push(await reexec());
  assert.equal((await d.initctl(['log-priority'])).stdout.trim(), 'info', 'initctl log-priority outlives a re-exec');
  assert.match(d.stderr(), /re-executed: carried on from the state/);
  assert.equal(d.proc.exitCode, null, 'the daemon process is still there');
  assert.equal(d.proc.pid, daemonPid);
  assert.equal((await jobStatus(d, 'svc')).pid, svc);
  assert.equal((await jobStatus(d, 'counter')).pid, counter);
  assert.ok(downtimes.every((ms) => ms < 5000), `downtimes ${downtimes.map((m) => m.toFixed(0)).join(', ')} ms`);

  // The kill timer kept its time left: KILL about 3 s after the stop, not 3 s after the last re-exec.
  await waitForStatus(d, 'stubborn', 'stop/waiting', 10_000);
  const stopTook = performance.now() - stopAsked;
  assert.ok(stopTook < 3000 + 1000 * downtimes.length + 1500, `stop took ${stopTook.toFixed(0)} ms`);
  await waitForStatus(d, 'slowstart', 'start/running', 10_000);
  assert.equal((await jobStatus(d, 'triple')).state, 'waiting');
  assert.equal((await d.initctl(['emit', 'ev-c'])).code, 0);
  await waitForStatus(d, 'triple', 'start/running');

  // Reaping goes on: the old image's child exits and the new image hears it.
  process.kill(svc, 'SIGKILL');
  await waitForStatus(d, 'svc', 'stop/waiting');

  const lines = counterLines();
  assert.ok(lines.length > 50, `${lines.length} lines`);
  lines.forEach((n, i) => assert.equal(n, i, `line ${i + 1} of counter.log`));
});
