// The readiness stanzas: `watchdog SECONDS` and `notification fd N`, their errors, and the expect ready that a notification fd implies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';

const parse = (text: string) => parseJob(text, { file: 'j.conf', name: 'j' });

test('watchdog takes seconds (fractions allowed); 0 turns it off', () => {
  assert.equal(parse('watchdog 10\nexec x\n').spec!.watchdog, 10);
  assert.equal(parse('watchdog 0.5\nexec x\n').spec!.watchdog, 0.5);
  assert.equal(parse('watchdog 5\nwatchdog 0\nexec x\n').spec!.watchdog, undefined);
  for (const [text, code, col] of [['watchdog\n', 'missing-argument', 9], ['watchdog -1\n', 'bad-number', 10], ['watchdog 1s\n', 'bad-number', 10], ['watchdog 1 2\n', 'unexpected-argument', 12]] as const) {
    const r = parse(text);
    assert.equal(r.spec, undefined, text);
    assert.equal(r.errors[0]!.code, code, text);
    assert.equal(r.errors[0]!.column, col, text);
  }
});

test('notification fd N: the fd, and expect ready unless another expect is given', () => {
  const a = parse('notification fd 3\nexec x\n').spec!;
  assert.equal(a.notificationFd, 3);
  assert.equal(a.expect.kind, 'event');
  const b = parse('expect fork\nnotification fd 5\nexec x\n').spec!;
  assert.equal(b.notificationFd, 5);
  assert.equal(b.expect.kind, 'fork');
  for (const [text, code] of [['notification 3\n', 'bad-argument'], ['notification fd 2\n', 'bad-number'], ['notification fd 1024\n', 'bad-number'], ['notification fd\n', 'missing-argument'], ['notification fd 3 4\n', 'unexpected-argument']] as const) {
    const r = parse(text);
    assert.equal(r.spec, undefined, text);
    assert.equal(r.errors[0]!.code, code, text);
  }
  const bad = parse('notification fd 2\n').errors[0]!;
  assert.match(bad.message, /from 3 to 1023/);
});
