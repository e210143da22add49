// The job-file tokenizer as Upstart's (libnih's): continuation, quotes, escapes and script indentation, in every stanza.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import type { JobClassSpec } from '../../../src/model/jobClass.ts';

function parse(text: string): JobClassSpec {
  const r = parseJob(text, { file: 'job.conf', name: 'job' });
  assert.deepEqual(r.errors.map((e) => e.format()), []);
  assert.ok(r.spec);
  return r.spec;
}

const main = (text: string): string | undefined => parse(text).process.main?.command;

test('arguments: an escaped blank is part of the word, the backslash goes', () => {
  assert.equal(parse('description this\\ is\\ a\\ test\n').description, 'this is a test');
  assert.equal(parse('author a\\\tb\n').author, 'a\tb');
});

test('arguments: an escaped backslash is one backslash; other escapes keep theirs', () => {
  assert.equal(parse('description this\\\\FOO\n').description, 'this\\FOO');
  assert.equal(parse('description this\\$FOO\n').description, 'this\\$FOO');
  assert.equal(parse('description "say \\"hi\\""\n').description, 'say \\"hi\\"');
});

test('arguments: quotes are removed, wherever they are in the word', () => {
  assert.equal(parse('description "this is a"\n').description, 'this is a');
  assert.equal(parse("version 'v 1'.2\n").version, 'v 1.2');
  assert.equal(parse('chdir /srv/"my dir"\n').chdir, '/srv/my dir');
});

test('arguments: a newline inside quotes, with the blanks around it, becomes one space', () => {
  assert.equal(parse('description "this is \n   a test"\n').description, 'this is a test');
  assert.equal(parse('usage "a\nb"\n').usage, 'a b');
});

test('arguments: a backslash-newline inside a word continues it, as one space; blanks after it end the word', () => {
  assert.equal(parse('description a\\\nb\n').description, 'a b');
  assert.equal(parse('description "quoted \\\n   too"\n').description, 'quoted too');
  const r = parseJob('description a\\\n    b\n', { file: 'job.conf', name: 'job' });
  assert.deepEqual(r.errors.map((e) => [e.code, e.line, e.column]), [['unexpected-argument', 2, 5]], 'as in Upstart: the indentation is a blank between two words');
});

test('arguments: a backslash-newline between words continues the stanza', () => {
  const s = parse('normal exit 0 \\\n    1 \\\n    TERM\n');
  assert.deepEqual(s.normalExit, { statuses: [0, 1], signals: ['TERM'] });
  assert.deepEqual(parse('respawn limit \\\n 3 \\\n 9\n').respawnLimit, { count: 3, interval: 9 });
});

test('arguments: an unquoted # ends the word and starts a comment; a quoted one does not', () => {
  assert.equal(parse('description a#b\n').description, 'a');
  assert.equal(parse('description "a#b"\n').description, 'a#b');
});

test('attestationd.conf-style env continuation: a backslash-newline continues the value', () => {
  const s = parse([
    'description "Attestation-style daemon"',
    'env OLD_PATH="/mnt/stateful_partition/home/.shadow/a.epb"',
    'env NEW_PATH=\\',
    '"/mnt/stateful_partition/unencrypted/preserve/a.epb"',
    'env JAIL_ARGS="-u attestation -g attestation \\',
    '    -n -l"',
    'exec /usr/sbin/attestationd',
    '',
  ].join('\n'));
  assert.deepEqual(s.env, [
    { key: 'OLD_PATH', value: '/mnt/stateful_partition/home/.shadow/a.epb' },
    // Upstart reads the newline as one space: the value starts with it.
    { key: 'NEW_PATH', value: ' /mnt/stateful_partition/unencrypted/preserve/a.epb' },
    { key: 'JAIL_ARGS', value: '-u attestation -g attestation -n -l' },
  ]);
  assert.equal(s.process.main?.line, 7);
});

test('smbproviderd.conf-style exec: a quoted argument continued with a backslash reaches the shell whole', () => {
  const cmd = main([
    'exec minijail0 \\',
    '    -u smbproviderd -g smbproviderd \\',
    '    -k \'/run/daemon-store/smbproviderd,/run/daemon-store/smbproviderd,\\',
    '        none,MS_BIND|MS_REC\' \\',
    '    -S /usr/share/policy/smbprovider-seccomp.policy \\',
    '    /usr/sbin/smbproviderd',
    '',
  ].join('\n'));
  assert.equal(cmd, "minijail0 -u smbproviderd -g smbproviderd -k '/run/daemon-store/smbproviderd,/run/daemon-store/smbproviderd, none,MS_BIND|MS_REC' -S /usr/share/policy/smbprovider-seccomp.policy /usr/sbin/smbproviderd");
});

test('exec: quotes, backslashes and inner blanks are kept as written', () => {
  assert.equal(main('exec /sbin/daemon -d "foo"\n'), '/sbin/daemon -d "foo"');
  assert.equal(main('exec echo a\\ b \\$X  "c  d"   \n'), 'echo a\\ b \\$X  "c  d"');
  assert.equal(main('exec a \\\n\n'), 'a');
});

test('exec: libnih\'s command cases (quotes, blanks and continued lines; up to a comment)', () => {
  assert.equal(main('exec "this   is" a "test \\\n of" \\\n commands\n'), '"this   is" a "test of" commands');
  assert.equal(main('exec this is a test # this is a comment\n'), 'this is a test');
  assert.equal(main('exec this is a test # this is a comment'), 'this is a test');
  assert.equal(main('exec this is a test'), 'this is a test');
});

test('exec: a newline inside quotes joins the lines with one space', () => {
  assert.equal(main('exec sh -c "echo a  \n    b"\n'), 'sh -c "echo a b"');
});

test('script: the first line sets the indentation removed; lines keep every other byte', () => {
  const body = (lines: string[]) => parse(`script\n${lines.join('\n')}\nend script\n`).process.main?.command;
  assert.equal(body(['    a', '      b', '    c']), 'a\n  b\nc\n');
  assert.equal(body(['  a', '    b']), 'a\n  b\n');
  assert.equal(body(['    a', '  b', '    c']), '  a\nb\n  c\n', 'a less indented line shortens it for every line');
  assert.equal(body(['\ta', '  b']), '\ta\n  b\n', 'tabs and spaces do not match each other');
  assert.equal(body(['', '    a', '    b']), '\n    a\n    b\n', 'an empty first line: nothing is removed');
  assert.equal(body(['    a', '', '    b']), '    a\n\n    b\n', 'an empty line anywhere: nothing is removed');
  assert.equal(body(['    a', '  ', '    b']), '  a\n\n  b\n', 'a blank line shares only its blanks');
  assert.equal(body(['  cat <<-EOF', '  \tx', '  EOF']), 'cat <<-EOF\n\tx\nEOF\n');
  assert.equal(body(['  a\r', '  b\r']), 'a\r\nb\r\n', 'carriage returns are kept');
});

test('script: a stanza after the block parses at the right line', () => {
  const s = parse('script\n  a\nend script\npre-start exec b\n');
  assert.equal(s.process['pre-start']?.line, 4);
});
