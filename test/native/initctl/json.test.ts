// The C client's JSON reading and escaping, checked against JSON.parse / JSON.stringify on fuzzed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { buildClient } from './build.ts';

const built = buildClient();

function driver(mode: 'parse' | 'enc', lines: string[]): string[] {
  if ('skip' in built) throw new Error(built.skip);
  const out = execFileSync(built.jsonDriver, [mode], { input: lines.map((l) => `${l}\n`).join(''), maxBuffer: 1 << 26 });
  return out.toString('utf8').split('\n').slice(0, -1);
}

function hex(s: unknown): string {
  if (typeof s !== 'string') return '-';
  return s === '' ? '=' : Buffer.from(s, 'utf8').toString('hex');
}

/** What the driver should print for a line, judged by JSON.parse. */
function expected(line: string): string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'bad';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'bad';
  const o = v as Record<string, unknown>;
  const st = typeof o.status === 'number' && Number.isSafeInteger(o.status) && !/"status":-?\d+[.eE]/.test(line) ? String(o.status) : '-';
  // The driver prints `type` as the C string it is compared as (up to a NUL); `data` keeps every byte.
  return `ok ${hex(typeof o.type === 'string' ? o.type.split('\0')[0] : o.type)} ${hex(o.data)} ${st}`;
}

const opts = { numRuns: 300 };

test('reply parsing agrees with JSON.parse on real-shaped replies', { skip: 'skip' in built ? built.skip : false }, () => {
  const reply = fc.record({
    type: fc.oneof(fc.constantFrom('output', 'exit', 'error', 'hello'), fc.string({ unit: 'binary' })),
    data: fc.string({ unit: 'binary' }),
    status: fc.integer({ min: -1000, max: 100000 }),
    extra: fc.jsonValue({ maxDepth: 4 }),
  }, { requiredKeys: [] });
  fc.assert(fc.property(fc.array(reply, { minLength: 1, maxLength: 20 }), (rs) => {
    const lines = rs.map((r) => JSON.stringify(r));
    assert.deepEqual(driver('parse', lines), lines.map(expected));
  }), opts);
});

test('reply parsing rejects exactly what JSON.parse rejects (objects only)', { skip: 'skip' in built ? built.skip : false }, () => {
  const table = [
    '{}', '{"type":"x"}', ' { "type" : "x" } ', '{"type":"x",}', '{"type":"x"', '{"type":x}', '{"data":"\\x"}',
    '{"data":"\\u12"}', '{"data":"a\tb"}', '{"status":01}', '{"status":1.}', '{"status":-}', '{"status":1e5}', '{"a":[1,2,]}',
    '{"a":tru}', '{"a":nul}', '[]', '"x"', '', '{"type":"x"} x', '{"data":"\\ud800"}', '{"data":"\\udc00\\ud800x"}',
    '{"data":"\\u0000"}', '{"type":"a","type":"b"}', '{"a":{"b":{"c":[[]]}}}',
  ];
  assert.deepEqual(driver('parse', table), table.map(expected));
  // Mutations of valid replies: drop, duplicate or swap characters.
  const mutated = fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.constantFrom('drop', 'dup', 'quote', 'brace')).map(([v, at, how]) => {
    const s = JSON.stringify({ type: 'output', data: JSON.stringify(v), v });
    const i = at % s.length;
    if (how === 'drop') return s.slice(0, i) + s.slice(i + 1);
    if (how === 'dup') return s.slice(0, i) + s[i] + s.slice(i);
    if (how === 'quote') return `${s.slice(0, i)}"${s.slice(i)}`;
    return `${s.slice(0, i)}}${s.slice(i)}`;
  });
  fc.assert(fc.property(fc.array(mutated, { minLength: 1, maxLength: 20 }), (lines) => {
    assert.deepEqual(driver('parse', lines), lines.map(expected));
  }), opts);
});

test('string escaping round-trips through JSON.parse', { skip: 'skip' in built ? built.skip : false }, () => {
  const s = fc.string({ unit: 'grapheme-composite' }).map((x) => x.replace(/[\n\0]/g, ''));
  fc.assert(fc.property(fc.array(s, { minLength: 1, maxLength: 20 }), (lines) => {
    const out = driver('enc', lines);
    assert.deepEqual(out.map((o) => JSON.parse(o)), lines);
  }), opts);
  const ctl = Array.from({ length: 0x7f }, (_, i) => String.fromCharCode(i + 1)).filter((c) => c !== '\n').join('');
  assert.deepEqual(JSON.parse(driver('enc', [ctl])[0] as string), ctl);
});
