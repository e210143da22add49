// Golden tests of condition printing: show-config, show-config -e and the single-leaf form of `initctl why`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import { formatCondition, formatOperand, formatOperands } from '../../../src/config/conditionText.ts';
import type { Condition } from '../../../src/model/condition.ts';

function cond(text: string): Condition {
  const r = parseJob(`start on ${text}\n`, { file: 'c.conf', name: 'c' });
  assert.deepEqual(r.errors.map((e) => e.format()), []);
  assert.ok(r.spec?.start);
  return r.spec.start;
}

const shown: [string, string][] = [
  ['startup', 'startup'],
  ['a or b or c', '((a or b) or c)'],
  ['a and (b or c)', '(a and (b or c))'],
  ['starting A and (B or C var=2)', '(starting A and (B or C var=2))'],
  ['bar HELLO=world testing=123 or stopping wibble', '(bar HELLO=world testing=123 or stopping wibble)'],
  ['stopped JOB="boo" RESULT=failed', 'stopped JOB=boo RESULT=failed'],
  ["foo MSG='a b'", 'foo MSG="a b"'],
  ['net-device-added INTERFACE!=lo', 'net-device-added INTERFACE!=lo'],
  ['runlevel [!2345]', 'runlevel [!2345]'],
  ['(((a)))', 'a'],
];

for (const [text, want] of shown) {
  test(`show-config: start on ${text}`, () => {
    assert.equal(formatCondition(cond(text)), want);
  });
}

const enumerated: [string, string[]][] = [
  ['starting A and (B or C var=2)', ['start on starting (job: A, env:)', 'start on B (job:, env:)', 'start on C (job:, env: var=2)']],
  ['bar HELLO=world testing=123 or stopping wibble', ['start on bar (job:, env: HELLO=world testing=123)', 'start on stopping (job: wibble, env:)']],
  ['stopped rc RUNLEVEL=[2345]', ['start on stopped (job: rc, env: RUNLEVEL=[2345])']],
  ['stopped JOB=foo RESULT=failed PROCESS=pre-start', ['start on stopped (job: foo, env: RESULT=failed PROCESS=pre-start)']],
  ['started other JOB="foo"', ['start on started (job: foo, env: other)']],
  ['started JOB!=foo', ['start on started (job:, env: JOB!=foo)']],
  ['started', ['start on started (job:, env:)']],
];

for (const [text, want] of enumerated) {
  test(`show-config -e: start on ${text}`, () => {
    assert.deepEqual(formatOperands(cond(text), 'start on'), want);
  });
}

test('show-config -e: stop on prefix', () => {
  assert.deepEqual(formatOperands(cond('a or stopping b'), 'stop on'), ['stop on a (job:, env:)', 'stop on stopping (job: b, env:)']);
});

test('formatOperand: a leaf as written', () => {
  const c = cond('started foo JOB=bar');
  assert.equal(c.kind, 'event');
  if (c.kind === 'event') assert.equal(formatOperand(c), 'started foo JOB=bar');
});

test('printed conditions parse back to the same tree', () => {
  for (const [text] of shown) {
    const c = cond(text);
    assert.deepEqual(cond(formatCondition(c)), c);
  }
});
