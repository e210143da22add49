// SASL EXTERNAL on the server's side: the uid claimed must be the socket's; DATA, CANCEL, fd negotiation and BEGIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hexOf, SaslClient, SaslServer } from '../../../src/dbus/sasl.ts';

test('EXTERNAL with the peer uid is OK; another uid is REJECTED', () => {
  const s = new SaslServer(1000);
  assert.deepEqual(s.step('AUTH'), { reply: 'REJECTED EXTERNAL' });
  assert.deepEqual(s.step(`AUTH EXTERNAL ${hexOf('0')}`), { reply: 'REJECTED EXTERNAL' });
  assert.match(s.step(`AUTH EXTERNAL ${hexOf('1000')}`).reply ?? '', /^OK [0-9a-f]{32}$/);
  assert.match(s.step('NEGOTIATE_UNIX_FD').reply ?? '', /^ERROR/);
  assert.deepEqual(s.step('BEGIN'), { begin: true });
});

test('EXTERNAL without a response asks DATA; an empty DATA means the socket uid', () => {
  const s = new SaslServer(0);
  assert.deepEqual(s.step('AUTH EXTERNAL'), { reply: 'DATA' });
  assert.match(s.step('DATA').reply ?? '', /^OK /);
});

test('nothing before authentication; unknown uid never authenticates; attempts are bounded', () => {
  assert.ok(new SaslServer(0).step('BEGIN').close);
  const u = new SaslServer(undefined);
  assert.deepEqual(u.step(`AUTH EXTERNAL ${hexOf('0')}`), { reply: 'REJECTED EXTERNAL' });
  const s = new SaslServer(5);
  let closed = false;
  for (let i = 0; i < 20 && !closed; i++) closed = s.step('AUTH FOO').close !== undefined;
  assert.ok(closed);
  assert.match(new SaslServer(1).step('HELLO').reply ?? '', /^ERROR/);
});

test('the client side', () => {
  const c = new SaslClient(1000);
  assert.equal(c.first(), `\0AUTH EXTERNAL ${hexOf('1000')}\r\n`);
  assert.deepEqual(c.step('OK 0123'), { send: 'BEGIN\r\n', begin: true });
  assert.ok(new SaslClient(1).step('REJECTED EXTERNAL').fail);
});
