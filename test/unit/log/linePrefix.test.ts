// Tests for container output lines: prefixes and padding, lines split over chunks, a last line without newline, long lines, no prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinePrefixer, outputLabel } from '../../../src/log/linePrefix.ts';

function collect(prefix = true, maxLine?: number): { lines: LinePrefixer; out: () => string; writes: () => number } {
  const parts: Buffer[] = [];
  const lines = new LinePrefixer({ write: (b) => parts.push(Buffer.from(b)), prefix, ...(maxLine ? { maxLine } : {}) });
  return { lines, out: () => Buffer.concat(parts).toString(), writes: () => parts.length };
}

test('labels name the instance as initctl does', () => {
  assert.equal(outputLabel({ job: 'web', instance: '' }), 'web');
  assert.equal(outputLabel({ job: 'getty', instance: 'tty1' }), 'getty (tty1)');
});

test('each whole line gets the label, padded to the longest seen so far', () => {
  const c = collect();
  const web = c.lines.tap({ job: 'web', instance: '' });
  const worker = c.lines.tap({ job: 'worker', instance: '2' });
  web.data(Buffer.from('one\ntwo\n'));
  worker.data(Buffer.from('hello\n'));
  web.data(Buffer.from('three\n'));
  assert.equal(c.out(), 'web | one\nweb | two\nworker (2) | hello\nweb        | three\n');
});

test('a line split over chunks is written once whole; the last unterminated line at end of output', () => {
  const c = collect();
  const t = c.lines.tap({ job: 'a', instance: '' });
  t.data(Buffer.from('par'));
  t.data(Buffer.from('tial'));
  assert.equal(c.out(), '');
  t.data(Buffer.from(' line\nnext'));
  assert.equal(c.out(), 'a | partial line\n');
  t.end();
  assert.equal(c.out(), 'a | partial line\na | next\n');
  t.end();
  assert.equal(c.out(), 'a | partial line\na | next\n', 'a second end adds nothing');
});

test('one write per chunk, whatever the number of lines in it (lines of two jobs never interleave)', () => {
  const c = collect();
  const t = c.lines.tap({ job: 'a', instance: '' });
  t.data(Buffer.from('1\n2\n3\n4\n'));
  assert.equal(c.writes(), 1);
});

test('a line longer than the bound is cut into lines of the bound', () => {
  const c = collect(true, 4);
  const t = c.lines.tap({ job: 'a', instance: '' });
  t.data(Buffer.from('abcdefghij'));
  assert.equal(c.out(), 'a | abcd\na | efgh\n');
  t.end();
  assert.equal(c.out(), 'a | abcd\na | efgh\na | ij\n');
});

test('--no-output-prefix copies the lines as they are; bytes are not text-decoded', () => {
  const raw: Buffer[] = [];
  const l = new LinePrefixer({ write: (b) => raw.push(Buffer.from(b)), prefix: false });
  const u = l.tap({ job: 'a', instance: '' });
  u.data(Buffer.from([0xff, 0x0a, 0x41]));
  u.end();
  assert.deepEqual(Buffer.concat(raw), Buffer.from([0xff, 0x0a, 0x41, 0x0a]));
});
