// Tests for ByteQueue: order, dropping the oldest bytes, taking batches and putting tails back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../src/log/byteQueue.ts';

const concat = (bufs: Buffer[]): string => Buffer.concat(bufs).toString();

test('push and take keep order', () => {
  const q = new ByteQueue();
  for (const s of ['ab', 'cd', '', 'ef']) q.push(Buffer.from(s));
  assert.equal(q.size, 6);
  assert.equal(concat(q.take(3, 10)), 'abcd');
  assert.equal(q.size, 2);
  assert.equal(concat(q.take(100, 10)), 'ef');
  assert.ok(q.empty);
});

test('dropOldest drops whole and partial chunks', () => {
  const cases: Array<[string[], number, number, string]> = [
    [['abc', 'def'], 2, 2, 'cdef'],
    [['abc', 'def'], 3, 3, 'def'],
    [['abc', 'def'], 4, 4, 'ef'],
    [['abc', 'def'], 10, 6, ''],
    [['abc'], 0, 0, 'abc'],
  ];
  for (const [chunks, n, dropped, rest] of cases) {
    const q = new ByteQueue();
    for (const c of chunks) q.push(Buffer.from(c));
    assert.equal(q.dropOldest(n), dropped);
    assert.equal(q.size, rest.length);
    assert.equal(concat(q.take(Infinity, Infinity)), rest);
  }
});

test('take honours the chunk cap and always returns at least one chunk', () => {
  const q = new ByteQueue();
  for (let i = 0; i < 5; i++) q.push(Buffer.from(String(i)));
  assert.equal(concat(q.take(0, 10)), '0');
  assert.equal(concat(q.take(100, 2)), '12');
  q.unshift([Buffer.from('x'), Buffer.from('y')]);
  assert.equal(concat(q.take(100, 100)), 'xy34');
});

test('many chunks stay consistent through compaction', () => {
  const q = new ByteQueue();
  let want = '';
  for (let i = 0; i < 5000; i++) {
    const s = `${i},`;
    q.push(Buffer.from(s));
    want += s;
  }
  let got = '';
  while (!q.empty) got += concat(q.take(7, 3));
  assert.equal(got, want);
});
