// The real daemon against a job file that floods (9,744 bad stanzas, a 1 MiB token), set-env with a NUL, and its socket's mode.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { INITCTL, run, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({ svc1: 'start on startup\nrespawn\nexec sleep 3600\n' });
  await waitForStatus(d, 'svc1', 'start/running');
});
after(async () => {
  await d?.stop();
});

const lines = (): string[] => d.stderr().split('\n').filter((l) => l !== '');

/** The probe's file: 9,744 stanzas (`normal exit N`, or unknown words), then a 1 MiB word. */
function floodFile(stanza: (i: number) => string): string {
  const out = ['exec sleep 1'];
  for (let i = 256; i <= 9999; i++) out.push(stanza(i));
  out.push('w'.repeat(1024 * 1024));
  return `${out.join('\n')}\n`;
}

for (const [name, stanza] of [['bad', (i: number) => `normal exit ${i}`], ['worse', (i: number) => `frobnicate ${i}`]] as const) {
  test(`${name}.conf with 9,744 stanzas and a 1 MiB token: at most 50 log lines, none longer than 4 KiB`, { timeout: 60_000 }, async () => {
    const before = lines().length;
    d.writeJob(name, floodFile(stanza));
    // The last line for the file: the 1 MiB word's error, or the count of errors not shown.
    const last = (l: string): boolean => l.includes(`${name}.conf:9746:`) || (l.includes(`${name}.conf:`) && l.includes('more errors in this file not shown'));
    await waitUntil(`${name}.conf's errors`, () => lines().slice(before).some(last), 30_000);
    const added = lines().slice(before).filter((l) => l.includes(`${name}.conf`));
    assert.ok(added.length <= 50, `${added.length} lines`);
    for (const l of added) assert.ok(l.length <= 4096, `a line of ${l.length} characters`);
    if (name === 'bad') assert.match(added.find((l) => l.includes(':9746:'))!, /unknown stanza 'w{80}…' \(1048576 characters\)/);
    else assert.equal(added.length, 11, added.join('\n'));
    assert.equal((await d.initctl(['status', name])).code, 1, 'a file with errors is not loaded');
  });
}

test('set-env with a NUL in the name or value is refused, and the next job start works', async () => {
  const replies = await new Promise<string>((resolve, reject) => {
    const s = createConnection(d.socket);
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      got += c;
      if (got.split('\n').length > 3) {
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.write('{"protocol":"upstart-ts","version":1}\n'
      + '{"type":"set-env","id":1,"name":"Z\\u0000","value":"x","retain":false}\n'
      + '{"type":"set-env","id":2,"name":"Z","value":"x\\u0000y","retain":false}\n');
  });
  const errors = replies.split('\n').filter((l) => l !== '').slice(1).map((l) => JSON.parse(l) as { type: string; id: number; code: string });
  assert.deepEqual(errors.map((e) => [e.type, e.id, e.code]), [['error', 1, 'invalid'], ['error', 2, 'invalid']]);
  const r = await d.initctl(['restart', 'svc1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^svc1 start\/running, process \d+\n$/);
  assert.doesNotMatch((await d.initctl(['list-env'])).stdout, /^Z=/m);
});

test('the session socket is 0600 by default; another uid cannot connect', async (t) => {
  assert.equal(statSync(d.socket).mode & 0o777, 0o600);
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv')) {
    t.skip('connecting as uid 65534 needs root and /usr/bin/setpriv');
    return;
  }
  chmodSync(d.dir, 0o755); // the directory lets anyone through: only the socket's own mode keeps them out
  const r = await run('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', INITCTL, '--socket', d.socket, 'list-env']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Unable to connect to init at .*: Permission denied/);
});
