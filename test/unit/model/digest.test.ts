// src/model/digest.ts: its SHA-256 is node:crypto's, byte for byte, and its quick digest tells inputs apart and is stable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { quickDigest, sha256Hex } from '../../../src/model/digest.ts';

test('sha256Hex matches node:crypto at every padding boundary and for multi-byte UTF-8', () => {
  const inputs = ['', 'abc', '/run/user/1000/upstart-ts.sock', 'é☃𝄞'.repeat(40)];
  for (let n = 50; n <= 130; n++) inputs.push('x'.repeat(n));
  for (const s of inputs) assert.equal(sha256Hex(s), createHash('sha256').update(s).digest('hex'), `length ${s.length}`);
});

test('the session cgroup name keeps its value: the known SHA-256 of "abc"', () => {
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('quickDigest: 16 hex digits, the same for the same text, different for texts one character apart', () => {
  const seen = new Map<string, string>();
  const base = JSON.stringify({ exec: 'sleep 3600', start: 'startup', env: ['A=1'] });
  for (let i = 0; i < base.length; i++) {
    for (const c of ['a', 'Z', '0', ' ']) {
      const s = base.slice(0, i) + c + base.slice(i + 1);
      if (s === base) continue;
      const d = quickDigest(s);
      assert.match(d, /^[0-9a-f]{16}$/);
      const other = seen.get(d);
      assert.ok(other === undefined || other === s, `collision: ${s} / ${other}`);
      seen.set(d, s);
    }
  }
  assert.equal(quickDigest(base), quickDigest(`${base}`));
  assert.notEqual(quickDigest(base), quickDigest(`${base} `));
});
