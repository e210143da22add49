// The protocol codec and line framing: table cases plus fast-check fuzzing (never throws, round-trips).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeHello, decodeReply, decodeRequest, encodeLine } from '../../../src/control/codec.ts';
import { ACCESS } from '../../../src/control/auth.ts';
import type { Request } from '../../../src/control/protocol.ts';
import { LineBuffer } from '../../../src/control/lineBuffer.ts';
import { chooseSocket, parseSessionAddress } from '../../../src/control/address.ts';

test('decodeRequest: table', () => {
  const ok: Array<[string, Request]> = [
    ['{"type":"status","id":1,"job":"foo"}', { type: 'status', id: 1, job: 'foo' }],
    ['{"type":"status","id":2,"job":"foo","instance":"tty1","extra":true}', { type: 'status', id: 2, job: 'foo', instance: 'tty1' }],
    ['{"type":"command","id":3,"argv":["initctl","list"],"env":{"UPSTART_JOB":"x"}}', { type: 'command', id: 3, argv: ['initctl', 'list'], env: { UPSTART_JOB: 'x' } }],
    ['{"type":"emit","id":4,"name":"e","env":[],"wait":false}', { type: 'emit', id: 4, name: 'e', env: [], wait: false }],
    ['{"type":"cancel","id":5,"target":3}', { type: 'cancel', id: 5, target: 3 }],
  ];
  for (const [line, want] of ok) assert.deepEqual(decodeRequest(line), { ok: true, value: want }, line);
  const bad: Array<[string, string]> = [
    ['', 'malformed JSON: each line must be one JSON object'],
    ['null', 'each line must be one JSON object'],
    ['{"type":"status","job":"foo"}', 'status: id must be an integer'],
    ['{"type":"status","id":1.5,"job":"foo"}', 'status: id must be an integer'],
    ['{"type":"status","id":1}', 'status: job must be a string'],
    ['{"type":"command","id":1,"argv":["a",1],"env":{}}', 'command: argv must be an array of strings'],
    ['{"type":"command","id":1,"argv":[],"env":{"A":1}}', 'command: env must be an object of strings'],
    ['{"type":"toString","id":1}', 'unknown request type: "toString"'],
    ['{"type":"__proto__","id":1}', 'unknown request type: "__proto__"'],
  ];
  for (const [line, message] of bad) assert.deepEqual(decodeRequest(line), { ok: false, code: 'bad-request', message }, line);
});

test('decodeHello: version check', () => {
  assert.equal(decodeHello('{"protocol":"upstart-ts","version":1}').ok, true);
  assert.deepEqual(decodeHello('{"protocol":"upstart-ts","version":2}'), {
    ok: false, code: 'bad-version', message: 'protocol version 2 is not supported; this daemon speaks version 1',
  });
  assert.equal(decodeHello('{"protocol":"dbus","version":1}').ok, false);
});

test('write requests are the ones that change state (the one table in auth.ts)', () => {
  assert.equal(ACCESS.start, 'change');
  assert.equal(ACCESS.status, 'open');
  assert.equal(ACCESS.list, 'open');
  // A command is judged by the request its argv parses into.
  assert.equal(ACCESS.command, 'open');
  // D7: what shows environments is the owner's.
  for (const t of ['list-env', 'get-env', 'journal', 'subscribe', 'why'] as const) assert.equal(ACCESS[t], 'private', t);
});

test('fuzz: decoders never throw, on any text', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
    decodeRequest(s);
    decodeReply(s);
    decodeHello(s);
  }), { numRuns: 2000 });
  fc.assert(fc.property(fc.json(), (s) => {
    decodeRequest(s);
    decodeReply(s);
  }), { numRuns: 2000 });
});

const text = fc.string({ unit: 'binary' });
const request: fc.Arbitrary<Request> = fc.oneof(
  fc.record({ type: fc.constant('command' as const), id: fc.nat(), argv: fc.array(text), env: fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'), text) }),
  fc.record({ type: fc.constant('status' as const), id: fc.nat(), job: text }),
  fc.record({ type: fc.constant('start' as const), id: fc.nat(), job: text, env: fc.array(text), wait: fc.boolean() }),
  fc.record({ type: fc.constant('set-env' as const), id: fc.nat(), name: text, value: text, retain: fc.boolean() }),
);

test('fuzz: encode → one line → decode is the identity', () => {
  fc.assert(fc.property(request, (r) => {
    const line = encodeLine(r);
    assert.equal(line.indexOf('\n'), line.length - 1);
    assert.deepEqual(decodeRequest(line.slice(0, -1)), { ok: true, value: JSON.parse(JSON.stringify(r)) });
  }), { numRuns: 1000 });
});

test('fuzz: LineBuffer gives the same lines however the bytes are chunked', () => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\n/g, ' '))), fc.array(fc.nat(60)), (lines, cuts) => {
    const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    const lb = new LineBuffer(1000);
    const got: string[] = [];
    let at = 0;
    for (const c of cuts) {
      const r = lb.push(bytes.subarray(at, Math.min(bytes.length, at + c)));
      got.push(...r.lines);
      at = Math.min(bytes.length, at + c);
    }
    got.push(...lb.push(bytes.subarray(at)).lines);
    assert.deepEqual(got, lines);
    assert.equal(lb.pendingBytes, 0);
  }), { numRuns: 500 });
});

test('LineBuffer refuses a line past the bound, even when it arrives in pieces', () => {
  const lb = new LineBuffer(10);
  assert.deepEqual(lb.push(Buffer.from('0123456789\nabc')), { lines: ['0123456789'], overflow: false });
  assert.deepEqual(lb.push(Buffer.from('defgh')), { lines: [], overflow: false });
  assert.equal(lb.pendingBytes, 8);
  assert.deepEqual(lb.push(Buffer.from('ijk\n')), { lines: [], overflow: true });
  assert.deepEqual(lb.push(Buffer.from('ok\n')), { lines: [], overflow: true });
});

test('session addresses and the socket choice', () => {
  assert.equal(parseSessionAddress('unix:path=/run/user/1000/upstart/session-7.sock'), '/run/user/1000/upstart/session-7.sock');
  assert.equal(parseSessionAddress('unix:abstract=/com/ubuntu/upstart-session/1000/42'), '\0/com/ubuntu/upstart-session/1000/42');
  assert.equal(parseSessionAddress('unix:abstract=/x,guid=123'), '\0/x');
  assert.equal(parseSessionAddress('unix:path=/a%20b'), '/a b');
  assert.equal(parseSessionAddress('tcp:host=x'), undefined);
  assert.equal(parseSessionAddress('unix:guid=1'), undefined);
  const env = { UPSTART_SESSION: 'unix:path=/s.sock' };
  assert.equal(chooseSocket({ env }), '/s.sock');
  assert.equal(chooseSocket({ env, socket: '/x.sock' }), '/x.sock');
  assert.equal(chooseSocket({ env, system: true }), '/run/upstart/control.sock');
  assert.equal(chooseSocket({ env: {} }), '/run/upstart/control.sock');
  assert.throws(() => chooseSocket({ env: { UPSTART_SESSION: 'bogus' } }), { code: 'bad-address' });
});
