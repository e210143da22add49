// kill timeout: a main process that ignores SIGTERM is killed with SIGKILL once the timeout has passed.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startDaemon, waitForFile, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({
    stubborn: [
      'kill timeout 1',
      // Ignored signals stay ignored across exec: sleep never sees the TERM.
      'script',
      "  trap '' TERM",
      '  exec sleep 600',
      'end script',
      `post-stop exec sh -c 'echo "RESULT=$RESULT EXIT_SIGNAL=\${EXIT_SIGNAL-unset}" > ${join('$OUT', 'stubborn.out')}'`,
      '',
    ].join('\n'),
    polite: 'kill timeout 30\nexec sleep 600\n',
  });
  const r = await d.initctl(['set-env', `OUT=${d.dir}`]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d?.stop();
});

test('a process ignoring SIGTERM dies by KILL after kill timeout 1; the stop returns after about 1 s', async () => {
  const r = await d.initctl(['start', 'stubborn']);
  assert.equal(r.code, 0, r.stderr);
  const s = await waitForStatus(d, 'stubborn', 'start/running');
  const pid = s.pid!;
  // The shell has exec'd sleep with TERM ignored (SigIgn bit 15 in /proc/PID/status).
  await waitUntil('sleep to ignore TERM', () => {
    const ign = /SigIgn:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
    return (BigInt(`0x${ign}`) & (1n << 14n)) !== 0n;
  });
  const t0 = Date.now();
  const stop = await d.initctl(['stop', 'stubborn']);
  const took = Date.now() - t0;
  assert.equal(stop.stdout, 'stubborn stop/waiting\n');
  assert.ok(took >= 900, `stop returned after ${took} ms, before the kill timeout`);
  assert.ok(took < 6000, `stop took ${took} ms`);
  await waitUntil('the stubborn process to be gone', () => !alive(pid));
  assert.equal(await waitForFile(join(d.dir, 'stubborn.out')), 'RESULT=ok EXIT_SIGNAL=KILL\n');
});

test('a process that honours SIGTERM is not kept waiting for a long kill timeout', async () => {
  const r = await d.initctl(['start', 'polite']);
  assert.equal(r.code, 0, r.stderr);
  const s = await waitForStatus(d, 'polite', 'start/running');
  const t0 = Date.now();
  const stop = await d.initctl(['stop', 'polite']);
  assert.equal(stop.stdout, 'polite stop/waiting\n');
  assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms`);
  assert.equal(alive(s.pid!), false, 'the stop returned before its process was gone');
});
