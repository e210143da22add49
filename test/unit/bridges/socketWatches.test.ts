// socket-event(7) conditions read by the socket bridge: which sockets, their event environment and fd names, and what is refused with why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import { eventEnv, fdName, socketsOf, specOf } from '../../../src/bridges/socketWatches.ts';

const cond = (text: string) => parseJob(`start on ${text}\n`, { file: 'j.conf', name: 'j' }).spec!.start!;

test('inet, inet6, unix and abstract sockets; positional values in the event\'s order; one entry per socket with its jobs', () => {
  const skipped: string[] = [];
  const m = socketsOf([
    { job: 'web', condition: cond('socket PROTO=inet PORT=8080 ADDR=127.0.0.1') },
    { job: 'web2', condition: cond('socket inet 8080 127.0.0.1 or socket PROTO=inet6 PORT=80 ADDR=::1') },
    { job: 'db', condition: cond('socket PROTO=unix SOCKET_PATH=/run/db.sock and started net') },
    { job: 'ab', condition: cond('socket PROTO=unix SOCKET_PATH=@/at/upstart/example') },
    { job: 'any', condition: cond('socket PROTO=inet PORT=9') },
  ], (job, why) => skipped.push(`${job}: ${why}`));
  assert.deepEqual(skipped, []);
  assert.deepEqual([...m.keys()], ['inet:127.0.0.1:8080', 'inet6:::1:80', 'unix:/run/db.sock', 'unix:@/at/upstart/example', 'inet:0.0.0.0:9']);
  assert.deepEqual([...m.get('inet:127.0.0.1:8080')!.jobs], ['web', 'web2']);
  assert.deepEqual(eventEnv(m.get('inet:127.0.0.1:8080')!.spec), ['PROTO=inet', 'PORT=8080', 'ADDR=127.0.0.1']);
  assert.deepEqual(eventEnv(m.get('unix:/run/db.sock')!.spec), ['PROTO=unix', 'SOCKET_PATH=/run/db.sock']);
  assert.equal(fdName(m.get('inet6:::1:80')!.spec), 'inet6-__1-80');
  assert.equal(fdName(m.get('unix:/run/db.sock')!.spec), 'unix-/run/db.sock');
  const long = fdName({ proto: 'unix', path: `/${'x'.repeat(300)}` });
  assert.ok(long.length <= 200 && !long.includes(':'));
});

test('what names no socket is refused with a reason', () => {
  const why = (args: { key?: string; value: string; negate?: boolean }[]): string => specOf(args) as string;
  assert.match(why([{ key: 'PROTO', value: 'inet' }]), /PORT= is not a port number/);
  assert.match(why([{ key: 'PROTO', value: 'inet' }, { key: 'PORT', value: '70000' }]), /not a port number/);
  assert.match(why([{ key: 'PROTO', value: 'inet' }, { key: 'PORT', value: '80' }, { key: 'ADDR', value: 'localhost' }]), /not a numeric IPv4 address/);
  assert.match(why([{ key: 'PROTO', value: 'tcp' }]), /not inet, inet6 or unix/);
  assert.match(why([{ key: 'PROTO', value: 'unix' }, { key: 'PATH', value: '/run/x.sock' }]), /use SOCKET_PATH=/);
  assert.match(why([{ key: 'PROTO', value: 'unix' }, { key: 'SOCKET_PATH', value: 'rel.sock' }]), /must be absolute/);
  assert.match(why([{ key: 'PROTO', value: 'inet' }, { key: 'PORT', value: '$P' }]), /variables and globs/);
  assert.match(why([{ key: 'PORT', value: '80', negate: true }]), /names no socket/);
  assert.match(why([{ key: 'PORT', value: '80' }]), /PROTO= is missing/);
});
