// D7: other users may read status and list, as in Upstart, but not environments (list-env, get-env) or the event journal.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync } from 'node:fs';
import { INITCTL, run, startDaemon, waitForStatus, type DaemonHandle } from './harness.ts';

const SETPRIV = '/usr/bin/setpriv';
const skip = process.getuid?.() !== 0 ? 'needs root (to run initctl as uid 65534 with setpriv)' : !existsSync(SETPRIV) ? `${SETPRIV} is missing (util-linux)` : false;

let d: DaemonHandle;
before(async () => {
  if (skip) return;
  d = await startDaemon({ svc: 'start on startup\nenv API_TOKEN=s3cret\nexec sleep 3600\n' }, { args: ['--socket-mode', '0666'] });
  chmodSync(d.dir, 0o755);
  await waitForStatus(d, 'svc', 'start/running');
  assert.equal((await d.initctl(['set-env', '--global', 'DB_PASSWORD=hunter2'])).code, 0);
});
after(async () => {
  await d?.stop();
});

const asNobody = (args: string[]) => run(SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', INITCTL, '--socket', d.socket, ...args]);

test('uid 65534: status and list answer; list-env, get-env and events are refused; root reads them', { skip }, async () => {
  const list = await asNobody(['list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^svc start\/running, process \d+$/m);
  assert.equal((await asNobody(['status', 'svc'])).code, 0);
  for (const args of [['list-env', '--global'], ['get-env', '--global', 'DB_PASSWORD'], ['events'], ['events', '--json']]) {
    const r = await asNobody(args);
    assert.notEqual(r.code, 0, `${args.join(' ')} answered uid 65534: ${r.stdout}`);
    assert.match(r.stderr, /Permission denied: only the session's owner .* may read job environments and the event journal/, args.join(' '));
    assert.doesNotMatch(r.stdout, /hunter2|s3cret/);
  }
  const root = await d.initctl(['get-env', '--global', 'DB_PASSWORD']);
  assert.equal(root.stdout, 'hunter2\n', root.stderr);
  assert.equal((await d.initctl(['events'])).code, 0);
});
