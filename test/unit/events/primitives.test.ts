// glob matching, $VAR expansion, env lists and event argument matching, table-driven.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globMatch } from '../../../src/events/glob.ts';
import { expandVars } from '../../../src/events/expand.ts';
import { envMerge, envGet } from '../../../src/events/envList.ts';
import { matchArgs } from '../../../src/events/match.ts';

test('globMatch follows fnmatch(3)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['ttyS*', 'ttyS0', true], ['ttyS*', 'tty1', false], ['*', '', true], ['?', '', false],
    ['[!2345]', '6', true], ['[!2345]', '2', false], ['[23]', '3', true], ['[0-9]', '7', true],
    ['[^a]', 'b', true], ['a\\*', 'a*', true], ['a\\*', 'ab', false], ['*.conf', 'x.conf', true],
    ['a*b*c', 'aXXbYYc', true], ['a*b*c', 'aXXbYY', false], ['[', '[', true], ['lo', 'lo', true],
    ['[]]', ']', true], ['[a-]', '-', true],
  ];
  for (const [p, t, want] of cases) assert.equal(globMatch(p, t), want, `${p} ~ ${t}`);
});

test('expandVars handles $VAR, ${VAR}, defaults and missing variables', () => {
  const env: Record<string, string> = { TTY: 'tty1', RUNLEVEL: '2', EMPTY: '' };
  const look = (k: string): string | undefined => env[k];
  const cases: Array<[string, string | { missing: string }]> = [
    ['$TTY', 'tty1'], ['${TTY}x', 'tty1x'], ['[!$RUNLEVEL]', '[!2]'], ['${NOPE:-d}', 'd'],
    ['${EMPTY:-d}', 'd'], ['${EMPTY-d}', ''], ['${TTY:+set}', 'set'], ['${NOPE+set}', ''],
    ['\\$TTY', '$TTY'], ['$NOPE', { missing: 'NOPE' }], ['a$', 'a$'], ['$1', '$1'],
  ];
  for (const [text, want] of cases) {
    const r = expandVars(text, look);
    assert.deepEqual(r, typeof want === 'string' ? { value: want } : want, text);
  }
});

test('envMerge replaces keys in place and appends new ones', () => {
  assert.deepEqual(envMerge(['A=1', 'B=2'], ['B=3', 'C=4'], ['A=5']), ['A=5', 'B=3', 'C=4']);
  assert.equal(envGet(['A=1', 'A=2'], 'A'), '2');
});

test('envMerge, small (searched) and big (indexed), keeps the rule: the last entry with the key is replaced in place, a new key is appended', () => {
  // The rule written out plainly: one key → position table over the result as it grows.
  const byRule = (base: string[], layers: string[][]): string[] => {
    const out = [...base];
    const at = new Map<string, number>();
    out.forEach((e, i) => at.set(e.split('=')[0]!, i));
    for (const e of layers.flat()) {
      const k = e.split('=')[0]!;
      const i = at.get(k);
      if (i === undefined) at.set(k, out.push(e) - 1);
      else out[i] = e;
    }
    return out;
  };
  // Keys that prefix one another (A, AB), entries without '=', values holding '=', duplicates in the base.
  const entry = fc.tuple(fc.constantFrom('A', 'AB', 'B', 'ABC', 'K1', 'K2', 'X_Y'), fc.option(fc.constantFrom('', '1', 'x=y', '=', 'AB=2'), { nil: undefined }))
    .map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
  for (const size of [6, 40]) {
    fc.assert(fc.property(fc.array(entry, { maxLength: size }), fc.array(fc.array(entry, { maxLength: size }), { maxLength: 3 }), (base, layers) => {
      assert.deepEqual(envMerge(base, ...layers), byRule(base, layers));
    }), { numRuns: 300 });
  }
  const big = Array.from({ length: 100 }, (_, i) => `V${i}=${i}`);
  assert.deepEqual(envMerge(big, big.map((e) => `${e}x`), ['NEW=1']), [...big.map((e) => `${e}x`), 'NEW=1']);
  const base = ['A=1'];
  assert.notEqual(envMerge(base), base, 'a new list even with nothing to merge');
});

test('matchArgs: positional, keyed, negated, globbed', () => {
  const env = ['JOB=tty', 'INSTANCE=tty1', 'RESULT=failed'];
  const cases: Array<[Parameters<typeof matchArgs>[0], boolean]> = [
    [[{ value: 'tty' }], true],
    [[{ value: 'tty' }, { value: 'tty?' }], true],
    [[{ value: 'gdm' }], false],
    [[{ key: 'RESULT', value: 'failed' }], true],
    [[{ key: 'RESULT', value: 'ok', negate: true }], true],
    [[{ key: 'RESULT', value: 'fail*', negate: true }], false],
    [[{ key: 'PROCESS', value: '*' }], false],
    [[{ key: 'PROCESS', value: 'main', negate: true }], false],
    [[{ value: 'a' }, { value: 'b' }, { value: 'c' }, { value: 'd' }], false],
  ];
  for (const [args, want] of cases) assert.equal(matchArgs(args, env), want, JSON.stringify(args));
});
