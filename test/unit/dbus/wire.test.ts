// The D-Bus codec: signatures, values and messages round-trip; bytes that are not valid are refused with WireError, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, frameLength, MessageError, MessageType, type Message } from '../../../src/dbus/message.ts';
import { parseSignature, SignatureError } from '../../../src/dbus/signature.ts';
import { Reader, WireError, Writer, type DbusValue } from '../../../src/dbus/wire.ts';

function roundTrip(sig: string, values: DbusValue[]): DbusValue[] {
  const w = new Writer();
  w.writeAll(sig, values);
  return new Reader(w.bytes(), true).readAll(sig);
}

test('signatures: valid ones parse, invalid ones name the problem', () => {
  assert.equal(parseSignature('a{sv}as(si)aas').length, 4);
  assert.equal(parseSignature('').length, 0);
  for (const bad of ['a', '(', '()', 'a{vs}', 'a{sss}', '{ss}', 'z', 'a'.repeat(33) + 's', '('.repeat(33) + 's' + ')'.repeat(33)]) {
    assert.throws(() => parseSignature(bad), SignatureError, bad);
  }
});

test('values round-trip through every type', () => {
  const sig = 'ybnqiuxtdsogva{sv}a(si)aasab';
  const values: DbusValue[] = [
    255, true, -32768, 65535, -2147483648, 4294967295, -(2n ** 63n), 2n ** 64n - 1n, 1.5, 'héllo', '/com/ubuntu/Upstart', 'a{sv}',
    { sig: 'as', value: ['x', 'y'] },
    [['k', { sig: 'i', value: 7 }]],
    [['main', 42], ['pre-start', 7]],
    [['a'], [], ['b', 'c']],
    [],
  ];
  assert.deepEqual(roundTrip(sig, values), values);
});

test('a big-endian message decodes like a little-endian one', () => {
  // Method call, serial 5, PATH=/x, MEMBER=M, SIGNATURE=s, body "hi": written by hand in big-endian.
  const fields = Buffer.from([
    1, 1, 0x6f, 0, 0, 0, 0, 2, 0x2f, 0x78, 0, 0, 0, 0, 0, 0, // (PATH, o "/x") + pad to 8
    3, 1, 0x73, 0, 0, 0, 0, 1, 0x4d, 0, 0, 0, 0, 0, 0, 0, // (MEMBER, s "M") + pad
    8, 1, 0x67, 0, 1, 0x73, 0, // (SIGNATURE, g "s")
  ]);
  const head = Buffer.alloc(16);
  head.write('B', 0);
  head[1] = 1;
  head[3] = 1;
  const body = Buffer.from([0, 0, 0, 2, 0x68, 0x69, 0]);
  head.writeUInt32BE(body.length, 4);
  head.writeUInt32BE(5, 8);
  head.writeUInt32BE(fields.length, 12);
  const pad = Buffer.alloc((8 - ((16 + fields.length) % 8)) % 8);
  const frame = Buffer.concat([head, fields, pad, body]);
  assert.equal(frameLength(frame), frame.length);
  const m = decodeMessage(frame);
  assert.equal(m.serial, 5);
  assert.equal(m.path, '/x');
  assert.equal(m.member, 'M');
  assert.deepEqual(m.body, ['hi']);
});

test('messages round-trip; a broken frame or body is a WireError that keeps the serial', () => {
  const m: Message = { type: MessageType.MethodCall, flags: 0, serial: 9, path: '/com/ubuntu/Upstart', interface: 'com.ubuntu.Upstart0_6', member: 'EmitEvent', signature: 'sasb', body: ['go', ['A=1'], true] };
  const buf = encodeMessage(m);
  assert.equal(frameLength(buf), buf.length);
  assert.deepEqual(decodeMessage(buf), m);
  const bad = Buffer.from(buf);
  bad[0] = 0x58;
  assert.throws(() => frameLength(bad), WireError);
  const badBool = Buffer.from(buf);
  badBool[badBool.length - 4] = 7; // the boolean: neither 0 nor 1
  assert.throws(() => decodeMessage(badBool), (err: unknown) => err instanceof MessageError && err.partial.serial === 9);
  assert.throws(() => decodeMessage(buf.subarray(0, buf.length - 2)), MessageError);
});

test('strings must be UTF-8 without NUL; object paths must be paths', () => {
  const w = new Writer();
  w.u32(2);
  const b = Buffer.concat([w.bytes(), Buffer.from([0xff, 0xfe, 0])]);
  assert.throws(() => new Reader(b, true).readAll('s'), /UTF-8/);
  assert.throws(() => { new Writer().writeAll('o', ['not/a/path']); }, WireError);
  assert.throws(() => { new Writer().writeAll('s', ['a\0b']); }, WireError);
});

test('fuzz: any bytes give a message or a WireError, nothing else', () => {
  const seed = encodeMessage({ type: MessageType.MethodCall, flags: 0, serial: 1, path: '/a', member: 'M', signature: 'a{sv}as', body: [[['k', { sig: 'ai', value: [1, 2] }]], ['x']] });
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (edits) => {
    const b = Buffer.from(seed);
    for (const [i, v] of edits) b[i] = v;
    try {
      const n = frameLength(b);
      if (n === undefined || n > b.length) return;
      decodeMessage(b.subarray(0, n));
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
    }
  }), { numRuns: 3000 });
});
