// D7: other users may read status and list, as in Upstart, but not environments (list-env, get-env) or the event journal, typed or by initctl.
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

test('uid 65534: status and list answer; list-env, get-env, events and why are refused; root reads them', { skip }, async () => {
  const list = await asNobody(['list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^svc start\/running, process \d+$/m);
  assert.equal((await asNobody(['status', 'svc'])).code, 0);
  for (const args of [['list-env', '--global'], ['get-env', '--global', 'DB_PASSWORD'], ['events'], ['events', '--json'], ['why', 'svc']]) {
    const r = await asNobody(args);
    assert.notEqual(r.code, 0, `${args.join(' ')} answered uid 65534: ${r.stdout}`);
    assert.match(r.stderr, /Permission denied: only the session's owner .* may read job environments and the event journal/, args.join(' '));
    assert.doesNotMatch(r.stdout, /hunter2|s3cret/);
  }
  const root = await d.initctl(['get-env', '--global', 'DB_PASSWORD']);
  assert.equal(root.stdout, 'hunter2\n', root.stderr);
  assert.equal((await d.initctl(['events'])).code, 0);
});

/** Speaks the JSON protocol as uid 65534: the handshake, then each request line; prints every reply line. */
const RAW_CLIENT = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
reqs = sys.argv[2:]
s.sendall(('{"protocol":"upstart-ts","version":1}\\n' + ''.join(r + '\\n' for r in reqs)).encode())
f = s.makefile('r')
print(f.readline(), end='')
for _ in reqs:
    print(f.readline(), end='', flush=True)
`;

test('uid 65534: the typed journal, subscribe and list-env requests are refused; typed status and list answer', { skip }, async () => {
  const reqs = [
    '{"type":"journal","id":1}', '{"type":"subscribe","id":2}', '{"type":"journal","id":3,"follow":true}',
    '{"type":"list-env","id":4}', '{"type":"get-env","id":5,"name":"DB_PASSWORD"}', '{"type":"list","id":6}', '{"type":"status","id":7,"job":"svc"}',
  ];
  const r = await run(SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', '/usr/bin/python3', '-c', RAW_CLIENT, d.socket, ...reqs]);
  assert.equal(r.code, 0, r.stderr);
  const replies = r.stdout.trim().split('\n').slice(1).map((l) => JSON.parse(l) as { type: string; id: number; code?: string; message?: string; value?: unknown });
  const byId = new Map(replies.map((x) => [x.id, x]));
  for (const id of [1, 2, 3, 4, 5]) {
    const x = byId.get(id);
    assert.equal(x?.type, 'error', JSON.stringify(x));
    assert.equal(x?.code, 'denied');
    assert.match(x?.message ?? '', /only the session's owner .* may read job environments and the event journal \(you are uid 65534\)/);
  }
  assert.equal(byId.get(6)?.type, 'result');
  assert.match(JSON.stringify(byId.get(6)?.value), /"job":"svc"/);
  assert.equal(byId.get(7)?.type, 'result');
  assert.doesNotMatch(r.stdout, /hunter2|s3cret/);
});
