// Job files that could flood the log (thousands of bad stanzas, a 1 MiB token) or carry NUL bytes: capped, cut, refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ERRORS_PER_FILE, shortenMessage } from '../../../src/config/configError.ts';
import { parseJob } from '../../../src/config/parser.ts';

const parse = (text: string) => parseJob(text, { file: 'bad.conf', name: 'bad' });

test('9,744 bad stanzas and a 1 MiB word: ten errors, one count of the rest, no line over 4 KiB', () => {
  const lines = ['exec sleep 1'];
  // The probe's `normal exit 256`…`9999` is valid since normal exit takes any status: unknown stanzas flood alike.
  for (let i = 256; i <= 9999; i++) lines.push(`frobnicate ${i}`);
  lines.push('w'.repeat(1024 * 1024));
  const r = parse(`${lines.join('\n')}\n`);
  assert.equal(r.spec, undefined);
  assert.equal(r.errors.length, MAX_ERRORS_PER_FILE + 1);
  const last = r.errors.at(-1)!;
  assert.equal(last.code, 'too-many-errors');
  assert.equal(last.line, 2 + MAX_ERRORS_PER_FILE);
  assert.match(last.format(), /^bad\.conf:12:\d+: 9735 more errors in this file not shown/);
  for (const e of r.errors) assert.ok(e.format().length < 4096, e.format().slice(0, 200));
  assert.deepEqual(new Set(r.errors.slice(0, -1).map((e) => e.code)), new Set(['unknown-stanza']));
});

test('a 1 MiB token is quoted cut, with its length', () => {
  const r = parse(`exec sleep 1\nrespawn ${'w'.repeat(1024 * 1024)}\n`);
  assert.equal(r.errors.length, 1);
  const m = r.errors[0]!.format();
  assert.ok(m.length < 400, m.slice(0, 400));
  assert.match(m, /'w{80}…' \(1048576 characters\)/);
});

test('shortenMessage: short quotes kept, long ones cut, the whole message bounded', () => {
  assert.equal(shortenMessage("unknown stanza 'frob'"), "unknown stanza 'frob'");
  assert.equal(shortenMessage(`x '${'a'.repeat(81)}' y`), `x '${'a'.repeat(80)}…' (81 characters) y`);
  const long = shortenMessage(`${'b'.repeat(5000)} end`);
  assert.ok(long.length <= 1100);
  assert.match(long, /characters cut\] … b+ end$/);
});

for (const [what, text, line, column] of [
  ['exec', 'exec /bin/ec\0ho hi\n', 1, 13],
  ['chdir', 'exec true\nchdir /tm\0p\n', 2, 10],
  ['env', 'exec true\nenv A=x\0y\n', 2, 8],
  ['chroot', 'exec true\nchroot /sr\0v\n', 2, 11],
  ['tmpfiles', 'exec true\ntmpfiles /etc/tmp\0files.d/x.conf\n', 2, 18],
  ['a script body', 'script\n  echo a\0b\nend script\n', 2, 9],
] as const) {
  test(`a NUL byte in ${what} is an error naming its line and column`, () => {
    const r = parse(text);
    assert.equal(r.spec, undefined);
    const e = r.errors.find((x) => x.code === 'nul-byte');
    assert.ok(e, JSON.stringify(r.errors));
    assert.equal(e.line, line);
    assert.equal(e.column, column);
    assert.match(e.format(), /^bad\.conf:\d+:\d+: NUL byte in a job file/);
  });
}

test('a NUL byte in a comment line is harmless', () => {
  const r = parse('# a\0b\nexec true\n');
  assert.deepEqual(r.errors, []);
  assert.ok(r.spec);
});

test('a line repeated 5,000 times: ten warnings and one count of the rest', () => {
  const r = parse(`${'exec sleep 1\n'.repeat(5000)}`);
  assert.ok(r.spec);
  assert.equal(r.warnings.length, MAX_ERRORS_PER_FILE + 1);
  assert.match(r.warnings.at(-1)!.message, /^\d+ more warnings in this file not shown/);
});
