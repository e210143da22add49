// A second init on the socket a live one serves refuses to start, touching nothing; a dead one's stale socket is taken over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, UPSTART, jobStatus, run, startDaemon, waitForStatus } from './harness.ts';

const skip = existsSync(join(ROOT, 'dist/bundle/upstart.cjs')) ? false : 'dist is not built (npm run build:ts)';

test('a second init on a served socket exits 1 and the first keeps its socket and its job', { skip }, async () => {
  const d = await startDaemon({ svc: 'start on startup\nconsole none\nexec sleep 300\n' });
  try {
    const before = await waitForStatus(d, 'svc', 'start/running');
    const second = await run(process.execPath, [UPSTART, '--user', '--confdir', d.confdir, '--logdir', d.logdir, '--socket', d.socket]);
    assert.equal(second.code, 1, second.stderr);
    assert.equal(second.stderr, `upstart: ${d.socket}: another init is running there; not starting a second one (stop that one first, or give this one another --socket)\n`);
    // The first still answers on its path, and the job is its own: same process, not adopted by the second.
    const after = await jobStatus(d, 'svc');
    assert.equal(after.pid, before.pid);
    assert.equal(`${after.goal}/${after.state}`, 'start/running');
    assert.doesNotMatch(d.stderr(), /connection|control:/, 'the probe is not worth a line in the first one\'s log');
  } finally {
    await d.stop();
  }
});

test('a socket file no one listens on (a killed init\'s) is taken over', { skip }, async () => {
  const first = await startDaemon({});
  const socket = first.socket;
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));
  assert.ok(existsSync(socket), 'SIGKILL leaves the socket file');
  const d = await startDaemon({}, { args: ['--socket', socket] });
  try {
    assert.equal((await d.initctl(['list'], { UPSTART_SESSION: `unix:path=${socket}` })).code, 0);
  } finally {
    await d.stop();
    await first.stop();
  }
});
