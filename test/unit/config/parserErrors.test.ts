// Table-driven tests of invalid job text: each gives exactly the expected error code at the expected line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import { ConfigError } from '../../../src/config/configError.ts';

/** [name, text, [code, line, column][]] */
const cases: [string, string, [string, number, number][]][] = [
  ['unknown stanza', 'description x\nrespwan\n', [['unknown-stanza', 2, 1]]],
  ['unknown stanza indented', 'task\n   frobnicate yes\n', [['unknown-stanza', 2, 4]]],
  ['exec without command', 'exec\n', [['missing-argument', 1, 5]]],
  ['exec with only a comment', 'exec   # nothing\n', [['missing-argument', 1, 8]]],
  ['start without on', 'start\n', [['missing-argument', 1, 6]]],
  ['start with something else than on', 'start at boot\n', [['bad-argument', 1, 7]]],
  ['start on without condition', 'start on\n', [['missing-argument', 1, 9]]],
  ['description without value', 'description\n', [['missing-argument', 1, 12]]],
  ['description unquoted words', 'description does neat stuff\n', [['unexpected-argument', 1, 18]]],
  ['unterminated double quote', 'env A=1\nenv B="abc\nexec x\n', [['unterminated-quote', 2, 7]]],
  ['unterminated single quote in exec', "exec sh -c 'echo\n", [['unterminated-quote', 1, 12]]],
  ['unterminated script', 'task\nscript\n  echo hi\n', [['unterminated-script', 2, 1]]],
  ['unterminated pre-start script', 'pre-start script\n  echo\nend scrip\n', [['unterminated-script', 1, 1]]],
  ['stray end script', 'end script\n', [['unexpected-end-script', 1, 1]]],
  ['script with argument (body still skipped)', 'script now\n  bogus line\nend script\ntask\n', [['unexpected-argument', 1, 8]]],
  ['pre-start bad kind', 'pre-start run foo\n', [['bad-argument', 1, 11]]],
  ['post-stop missing kind', 'post-stop\n', [['missing-argument', 1, 10]]],
  ['unclosed paren at end of file: where the end is (as Upstart)', 'start on (a and\n  b\n', [['unbalanced-paren', 3, 1]]],
  ['positional value after KEY=VALUE', 'start on wibble foo KEY=bar baz\n', [['bad-condition', 1, 29]]],
  ['extra close paren', 'start on a and b)\n', [['unbalanced-paren', 1, 17]]],
  ['close paren first', 'start on ) a\n', [['unbalanced-paren', 1, 10]]],
  ['operator first', 'start on and a\n', [['bad-condition', 1, 10]]],
  ['operator last', 'start on a or\nexec x\n', [['bad-condition', 1, 12]]],
  ['two operators', 'stop on a and or b\n', [['bad-condition', 1, 15]]],
  ['operand after group', 'start on (a or b) c\n', [['bad-condition', 1, 19]]],
  ['KEY=VALUE as event name', 'start on JOB=foo\n', [['bad-condition', 1, 10]]],
  ['arg without key', 'start on foo =bar\n', [['bad-condition', 1, 14]]],
  ['empty group', 'start on ()\n', [['unbalanced-paren', 1, 11]]],
  ['bad kill signal', 'kill signal SIGFOO\n', [['bad-signal', 1, 13]]],
  ['bad kill subcommand', 'kill now\n', [['bad-argument', 1, 6]]],
  ['bad kill timeout', 'kill timeout soon\n', [['bad-number', 1, 14]]],
  ['bad kill mode', 'kill mode group\n', [['bad-argument', 1, 11]]],
  ['bad reload signal', 'reload signal 99\n', [['bad-signal', 1, 15]]],
  ['bad normal exit signal', 'normal exit 0 TERM FOO\n', [['bad-signal', 1, 20]]],
  ['normal exit negative', 'normal exit -1\n', [['bad-exit-status', 1, 13]]],
  ['normal exit alphanumeric', 'normal exit 99foo\n', [['bad-signal', 1, 13]]],
  ['normal without exit', 'normal 0\n', [['bad-argument', 1, 8]]],
  ['normal exit without values', 'normal exit\n', [['missing-argument', 1, 12]]],
  ['umask not octal', 'umask 089\n', [['bad-umask', 1, 7]]],
  ['umask too big', 'umask 1777\n', [['bad-umask', 1, 7]]],
  ['umask word', 'umask strict\n', [['bad-umask', 1, 7]]],
  ['nice too low', 'nice -21\n', [['bad-nice', 1, 6]]],
  ['nice too high', 'nice 20\n', [['bad-nice', 1, 6]]],
  ['nice not a number', 'nice low\n', [['bad-nice', 1, 6]]],
  ['oom score too low', 'oom score -1001\n', [['bad-oom', 1, 11]]],
  ['oom score too high', 'oom score 1001\n', [['bad-oom', 1, 11]]],
  ['oom score word', 'oom score always\n', [['bad-oom', 1, 11]]],
  ['legacy oom out of range', 'oom 16\n', [['bad-oom', 1, 5]]],
  ['unknown rlimit', 'limit files 1 2\n', [['unknown-rlimit', 1, 7]]],
  ['limit bad value', 'limit nofile 1 lots\n', [['bad-limit', 1, 16]]],
  ['limit missing hard', 'limit nofile 1\n', [['missing-argument', 1, 15]]],
  ['console bad', 'console tty\n', [['bad-console', 1, 9]]],
  ['respawn bad', 'respawn always\n', [['unexpected-argument', 1, 9]]],
  ['respawn limit bad count', 'respawn limit many 5\n', [['bad-number', 1, 15]]],
  ['respawn limit missing interval', 'respawn limit 5\n', [['missing-argument', 1, 16]]],
  ['expect nothing', 'expect\n', [['missing-argument', 1, 7]]],
  ['expect fork extra', 'expect fork twice\n', [['unexpected-argument', 1, 13]]],
  ['expect exit without count', 'expect exit\n', [['missing-argument', 1, 8]]],
  ['expect exit zero', 'expect exit 0\n', [['bad-number', 1, 13]]],
  ['expect bad condition', 'expect a or\n', [['bad-condition', 1, 10]]],
  ['expect a typo of fork', 'expect frok\n', [['bad-expect', 1, 8]]],
  ['expect a typo of daemon', 'expect deamon\n', [['bad-expect', 1, 8]]],
  ['expect in the wrong case', 'expect Fork\n', [['bad-expect', 1, 8]]],
  ['expect one unknown word', 'expect foo\n', [['bad-expect', 1, 8]]],
  ['expect on without a condition', 'expect on\n', [['missing-argument', 1, 10]]],
  ['expect none extra', 'expect none foo\n', [['unexpected-argument', 1, 13]]],
  ['ready without timeout', 'ready 5\n', [['bad-argument', 1, 7]]],
  ['ready timeout not a number', 'ready timeout soon\n', [['bad-number', 1, 15]]],
  ['trailing backslash at the end of the file', 'env A=b\\', [['trailing-backslash', 1, 8]]],
  ['env with empty key', 'env =x\n', [['bad-env', 1, 5]]],
  ['env two words', 'env A=1 B=2\n', [['unexpected-argument', 1, 9]]],
  ['apparmor bad', 'apparmor enforce x\n', [['bad-argument', 1, 10]]],
  ['cgroup too many', 'cgroup a b c d e\n', [['unexpected-argument', 1, 16]]],
  ['task with argument', 'task now\n', [['unexpected-argument', 1, 6]]],
  ['several errors, one per stanza, parsing goes on', 'nice 99\nfoo\ntask\numask 9\n', [['bad-nice', 1, 6], ['unknown-stanza', 2, 1], ['bad-umask', 4, 7]]],
  ['error after continuation counts lines', 'exec a \\\n  b\nbogus\n', [['unknown-stanza', 3, 1]]],
  ['error after a multi-line quote counts lines', 'env A="x\ny"\nbogus\n', [['unknown-stanza', 3, 1]]],
];

for (const [name, text, want] of cases) {
  test(`error: ${name}`, () => {
    const r = parseJob(text, { file: 'bad.conf', name: 'bad' });
    assert.equal(r.spec, undefined);
    for (const e of r.errors) {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.file, 'bad.conf');
      assert.ok(e.message.length > 10, 'a message a newcomer can read');
    }
    assert.deepEqual(r.errors.map((e) => [e.code, e.line, e.column]), want, r.errors.map((e) => e.format()).join('\n'));
  });
}

test('messages say what was expected and what was found', () => {
  const cases: [string, string][] = [
    ['respwan\n', "bad.conf:1:1: unknown stanza 'respwan': did you mean 'respawn'?"],
    ['zzzzzzzz\n', "bad.conf:1:1: unknown stanza 'zzzzzzzz': expected a stanza such as exec, script, start on, stop on, env or respawn"],
    ['nice 40\n', "bad.conf:1:6: bad nice value '40': expected a whole number from -20 to 19"],
    ['start on (a\n', "bad.conf:2:1: unbalanced parenthesis: expected ')' to close the '(' at line 1 column 10, found the end of the file"],
    ['umask 9\n', "bad.conf:1:7: bad umask '9': expected an octal value from 000 to 0777, such as 022"],
    ['script\n', "bad.conf:1:1: unterminated script: expected a line 'end script' to close this 'script', found the end of the file"],
    ['expect frok\n', "bad.conf:1:8: bad argument to 'expect': 'frok' is not one of stop, daemon, fork, none, exit N, ready; did you mean 'fork'? (to wait for an event of that name write 'expect on frok')"],
    ['expect deamon\n', "bad.conf:1:8: bad argument to 'expect': 'deamon' is not one of stop, daemon, fork, none, exit N, ready; did you mean 'daemon'? (to wait for an event of that name write 'expect on deamon')"],
  ];
  for (const [text, line] of cases) {
    const r = parseJob(text, { file: 'bad.conf', name: 'bad' });
    assert.deepEqual(r.errors.map((e) => e.format()), [line]);
  }
});

test('a process defined twice loads, the later one wins, with a warning', () => {
  const r = parseJob('exec a\nscript\nend script\npre-start exec b\npre-start exec c\n', { file: 'j.conf', name: 'j' });
  assert.deepEqual(r.errors, []);
  assert.equal(r.spec?.process.main?.kind, 'script');
  assert.equal(r.spec?.process['pre-start']?.command, 'c');
  assert.deepEqual(r.warnings.map((w) => [w.code, w.line, w.column]), [['process-redefined', 2, 1], ['process-redefined', 5, 1]]);
  assert.equal(r.warnings[0]?.format(), "j.conf:2:1: the main process is defined again ('script' after 'exec'): this later one replaces the earlier one");
});

test('an override with an error reports it with the override file name', () => {
  const base = parseJob('exec a\n', { file: 'j.conf', name: 'j' }).spec;
  assert.ok(base);
  const r = parseJob('nice 50\n', { file: 'j.override', name: 'j', base });
  assert.equal(r.spec, undefined);
  assert.deepEqual(r.errors.map((e) => e.format()), ["j.override:1:6: bad nice value '50': expected a whole number from -20 to 19"]);
});

test('ConfigError: toString, toJSON, whole-file form', () => {
  const e = new ConfigError('bad-nice', 'a.conf', 3, 7, 'bad');
  assert.equal(String(e), 'a.conf:3:7: bad');
  assert.deepEqual(e.toJSON(), { file: 'a.conf', line: 3, column: 7, code: 'bad-nice', message: 'bad' });
  assert.equal(new ConfigError('unreadable', 'b.conf', 0, 0, 'cannot read file (EACCES)').format(), 'b.conf: cannot read file (EACCES)');
});

test('conditions are bounded: nesting and length', () => {
  const deep = parseJob(`start on ${'('.repeat(65)}a${')'.repeat(65)}\n`, { file: 'bad.conf', name: 'bad' });
  assert.deepEqual(deep.errors.map((e) => [e.code, e.line, e.column]), [['bad-condition', 1, 74]]);
  const ok = parseJob(`start on ${'('.repeat(64)}a${')'.repeat(64)}\n`, { file: 'ok.conf', name: 'ok' });
  assert.deepEqual(ok.errors, []);
  const long = parseJob(`start on a${' or a'.repeat(1000)}\n`, { file: 'bad.conf', name: 'bad' });
  assert.deepEqual(long.errors.map((e) => e.code), ['bad-condition']);
});
