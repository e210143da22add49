// initctl status names an instance by the engine's own expansion of `instance` (one expandVars rule), not a second one.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  // FROM_INIT comes from the daemon's own environment (`env KEY` without a value); N from the command line.
  d = await startDaemon({ inst: 'env FROM_INIT\ninstance ${FROM_INIT}-$N\nexec sleep 6621\n' }, { env: { FROM_INIT: 'boot' } });
});

after(async () => {
  await d?.stop();
});

test('status KEY=VALUE finds the instance start named, with an `env KEY` inherited from init', async () => {
  const r = await d.initctl(['start', 'inst', 'N=1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^inst \(boot-1\) start\/running, process \d+\n$/);
  const st = await d.initctl(['status', 'inst', 'N=1']);
  assert.deepEqual({ code: st.code, stderr: st.stderr }, { code: 0, stderr: '' });
  assert.equal(st.stdout, r.stdout);
  assert.equal((await d.initctl(['stop', 'inst', 'N=1'])).code, 0);
});

test('status with a variable left unset is refused as start and stop refuse it', async () => {
  const start = await d.initctl(['start', 'inst']);
  const status = await d.initctl(['status', 'inst', 'OTHER=1']);
  assert.deepEqual({ code: start.code, stderr: start.stderr }, { code: 1, stderr: 'initctl: Unknown parameter: N\n' });
  assert.deepEqual({ code: status.code, stderr: status.stderr }, { code: 1, stderr: 'initctl: Unknown parameter: N\n' });
});
