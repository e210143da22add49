// Tests for the signal name table: canonical names, SIG prefixes, numbers and real-time signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalSignal, signalName, signalNumber } from '../../../src/model/signals.ts';

test('canonical signal names', () => {
  const cases: Array<[string, string | undefined]> = [
    ['TERM', 'TERM'], ['SIGTERM', 'TERM'], ['sigkill', 'KILL'], ['15', 'TERM'], ['9', 'KILL'],
    ['IOT', 'ABRT'], ['RTMIN', 'RTMIN'], ['RTMIN+3', 'RTMIN+3'], ['RTMAX', 'RTMIN+30'],
    ['NOPE', undefined], ['0', undefined], ['65', undefined],
  ];
  for (const [input, want] of cases) assert.equal(canonicalSignal(input), want, input);
});

test('numbers and names round-trip', () => {
  for (let n = 1; n <= 64; n++) {
    if (n === 32 || n === 33) continue;
    const name = signalName(n);
    assert.ok(name, `signal ${n} has a name`);
    assert.equal(signalNumber(name), n);
  }
});
