// Property-based fuzzing of parseJob: random, token-soup and mutated real job files give a job class or ConfigErrors, never a throw or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseJob } from '../../../src/config/parser.ts';
import { ConfigError } from '../../../src/config/configError.ts';
import { formatCondition, formatOperands } from '../../../src/config/conditionText.ts';
import { jobToJson } from '../../../src/config/jobJson.ts';

/** The property: any text parses to exactly one of a spec or errors, within a time bound. */
function check(text: string): void {
  const t0 = performance.now();
  const r = parseJob(text, { file: 'fuzz.conf', name: 'fuzz' });
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `parse took ${ms} ms for ${JSON.stringify(text.slice(0, 200))}`);
  assert.equal(r.spec === undefined, r.errors.length > 0);
  for (const e of r.errors) {
    assert.ok(e instanceof ConfigError);
    assert.ok(e.line >= 1 && e.column >= 1, e.format());
    assert.equal(typeof e.code, 'string');
  }
  if (r.spec !== undefined) {
    JSON.stringify(jobToJson(r.spec));
    for (const c of [r.spec.start, r.spec.stop]) {
      if (c !== undefined) {
        formatCondition(c);
        formatOperands(c, 'start on');
      }
    }
  }
}

const PIECES = [
  'exec', 'script', 'end script', 'end', 'pre-start', 'post-stop', 'start on', 'stop on', 'manual', 'env', 'export',
  'emits', 'respawn', 'respawn limit', 'normal exit', 'limit nofile', 'oom score', 'oom', 'kill signal', 'kill timeout',
  'expect', 'expect exit', 'console', 'umask', 'nice', 'cgroup', 'apparmor load', 'import', 'tmpfiles', 'description',
  'and', 'or', '(', ')', '"', "'", '\\', '\\\n', '\n', '\r\n', ' ', '\t', '#', '=', '!=', '$X', '${Y}', '*', '[!2]',
  'unlimited', 'never', '-1', '0', '022', '15', 'TERM', 'SIGHUP', 'foo', 'JOB=x', 'started', 'a=b c',
];

const soup = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).chain((parts) =>
  fc.array(fc.constantFrom(' ', '\n', '', '\t'), { minLength: parts.length, maxLength: parts.length }).map((seps) =>
    parts.map((p, i) => p + (seps[i] ?? '')).join('')));

const chars = fc.string({ unit: fc.constantFrom('a', 'e', 'x', ' ', '\t', '\n', '\r', '"', "'", '\\', '#', '(', ')', '=', '!', '$', '{', '}', '-', '0', '9'), maxLength: 300 });

test('fuzz: random characters', { timeout: 120_000 }, () => {
  fc.assert(fc.property(chars, (s) => check(s)), { numRuns: 2000 });
});

test('fuzz: stanza token soup', { timeout: 120_000 }, () => {
  fc.assert(fc.property(soup, (s) => check(s)), { numRuns: 2000 });
});

test('fuzz: arbitrary unicode strings', { timeout: 120_000 }, () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (s) => check(s)), { numRuns: 1000 });
});

const corpus = fileURLToPath(new URL('../../../../shared/corpus', import.meta.url));
const present = existsSync(corpus);
const texts = present ? readdirSync(corpus).filter((f) => f.endsWith('.conf')).map((f) => readFileSync(`${corpus}/${f}`, 'utf8')) : [];

/** One edit at a random place: delete a span, insert a piece, or duplicate a line. */
const mutation = fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.constantFrom(...PIECES), fc.constantFrom('delete', 'insert', 'dup'));

test('fuzz: mutated real job files', { timeout: 120_000, skip: present ? false : `corpus not found at ${corpus} (../shared is absent)` }, () => {
  fc.assert(
    fc.property(fc.nat({ max: Math.max(0, texts.length - 1) }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (i, edits) => {
      let s = texts[i] ?? '';
      for (const [at, len, piece, kind] of edits) {
        const p = s.length === 0 ? 0 : at % s.length;
        if (kind === 'delete') s = s.slice(0, p) + s.slice(p + len);
        else if (kind === 'insert') s = s.slice(0, p) + piece + s.slice(p);
        else {
          const start = s.lastIndexOf('\n', p) + 1;
          const end = s.indexOf('\n', p);
          const line = s.slice(start, end < 0 ? s.length : end + 1);
          s = s.slice(0, start) + line + line + s.slice(start + line.length);
        }
      }
      check(s);
    }),
    { numRuns: 1500 },
  );
});

test('fuzz: long inputs stay linear', () => {
  check('start on '.concat('('.repeat(5000), 'a', ')'.repeat(5000), '\n'));
  check('start on a'.concat(' or a'.repeat(20000), '\n'));
  check('"'.repeat(100_001));
  check('\\\n'.repeat(50_000));
  check('script\n'.concat('  x\n'.repeat(50_000)));
});
