// ReplaySkipper: after a reconnect, the replayed journal is held back up to the last line shown, in any chunking; what never matches is given back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFollow, ReplaySkipper } from '../../../src/cli/followResume.ts';

/** Feeds text in chunks of n characters and returns what is shown. */
function feed(s: ReplaySkipper, text: string, n: number): string {
  let out = '';
  for (let i = 0; i < text.length; i += n) out += s.feed(text.slice(i, i + n));
  return out;
}

test('the replay is skipped up to and with the last line shown, whatever the chunks', () => {
  for (const n of [1, 3, 7, 1000]) {
    const s = new ReplaySkipper();
    assert.equal(feed(s, 'a 1\nb 2\nc 3\n', n), 'a 1\nb 2\nc 3\n');
    s.resume();
    assert.equal(s.skipping, true);
    assert.equal(feed(s, 'a 1\nb 2\nc 3\nd 4\ne ', n) + feed(s, '5\n', n), 'd 4\ne 5\n', `chunks of ${n}`);
    assert.equal(s.skipping, false);
  }
});

test('a line cut by the reconnect is not shown twice; nothing shown yet means nothing to skip', () => {
  const s = new ReplaySkipper();
  s.resume();
  assert.equal(s.skipping, false);
  assert.equal(s.feed('x 1\ny '), 'x 1\ny ');
  assert.equal(s.feed('2\n'), '2\n');
  s.resume();
  assert.equal(s.feed('x 1\ny 2\nz 3\n'), 'z 3\n');
});

test('when the last line never comes again, flush gives back what was held', () => {
  const s = new ReplaySkipper();
  s.feed('old\n');
  s.resume();
  assert.equal(s.feed('p\nq\nr'), '');
  assert.equal(s.holding, 2);
  assert.equal(s.flush(), 'p\nq\nr');
  assert.equal(s.feed('s\n'), 's\n');
});

test('isFollow: events with --follow or -f, nothing else', () => {
  assert.equal(isFollow(['events', '--follow'], 0), true);
  assert.equal(isFollow(['--socket', 'x', 'events', '-f'], 2), true);
  assert.equal(isFollow(['events'], 0), false);
  assert.equal(isFollow(['emit', '--follow'], 0), false);
  assert.equal(isFollow(['events', '--follow'], -1), false);
});
