// The `action NAME exec|script` stanza (ours): its forms, the warning init-checkconf prints, its errors, and overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import { jobToJson } from '../../../src/config/jobJson.ts';

const parse = (text: string, base?: Parameters<typeof parseJob>[1]['base']) => parseJob(text, { file: 'job.conf', name: 'job', ...(base ? { base } : {}) });

test('action NAME exec and action NAME script, in file order', () => {
  const r = parse('exec sleep 1\naction rotate exec kill -USR1 $PID\naction flush-logs script\n  sync\n  exit 3\nend script\n');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.spec?.actions, {
    rotate: { kind: 'exec', command: 'kill -USR1 $PID', line: 2 },
    'flush-logs': { kind: 'script', command: 'sync\nexit 3\n', line: 3 },
  });
  assert.deepEqual(Object.keys(r.spec?.actions ?? {}), ['rotate', 'flush-logs']);
  // The main process is untouched by the action's script block.
  assert.equal(r.spec?.process.main?.command, 'sleep 1');
});

test('init-checkconf is warned that Upstart 1.13 would reject the file', () => {
  const r = parse('action rotate exec true\n');
  assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['upstart-extension', 1]]);
  assert.match(r.warnings[0]!.message, /Upstart 1\.13 would reject this file/);
});

test('a job without actions has none, and its JSON has no actions key', () => {
  const r = parse('exec sleep 1\n');
  assert.equal(r.spec?.actions, undefined);
  assert.equal('actions' in jobToJson(r.spec!), false);
  assert.deepEqual(jobToJson(parse('action a exec true\n').spec!).actions, { a: { kind: 'exec', command: 'true', line: 1 } });
});

test('errors name the line and column', () => {
  const cases: Array<[string, string, string]> = [
    ['action\n', 'missing-argument', 'job.conf:1:7'],
    ['action rotate\n', 'missing-argument', 'job.conf:1:14'],
    ['action rotate run foo\n', 'bad-argument', 'job.conf:1:15'],
    ['action -x exec true\n', 'bad-action', 'job.conf:1:8'],
    ['action a=b exec true\n', 'bad-action', 'job.conf:1:8'],
    ['action rotate exec\n', 'missing-argument', 'job.conf:1:19'],
    ['action rotate script\n  echo\n', 'unterminated-script', 'job.conf:1:1'],
  ];
  for (const [text, code, at] of cases) {
    const r = parse(text);
    assert.equal(r.spec, undefined, text);
    assert.equal(r.errors[0]?.code, code, text);
    assert.ok(r.errors[0]?.format().startsWith(at), `${text}: ${r.errors[0]?.format()}`);
  }
});

test('the same action twice: the later wins, with a warning; an override replaces one and keeps the rest', () => {
  const r = parse('action a exec one\naction a exec two\n');
  assert.equal(r.spec?.actions?.a?.command, 'two');
  assert.ok(r.warnings.some((w) => w.code === 'process-redefined' && w.line === 2));
  const base = parse('action a exec one\naction b exec bee\n').spec!;
  const o = parseJob('action a exec uno\n', { file: 'job.override', name: 'job', base });
  assert.deepEqual(o.errors, []);
  assert.equal(o.spec?.actions?.a?.command, 'uno');
  assert.equal(o.spec?.actions?.b?.command, 'bee');
  assert.equal(o.warnings.some((w) => w.code === 'process-redefined'), false);
});
