// loadConfDirs on real temporary directories: recursion, names, overrides, first directory wins, unreadable files reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfDirs } from '../../../src/config/sources.ts';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'upstart-ts-conf-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

function withDirs(t: { after: (fn: () => void) => void }, ...roots: string[]): string[] {
  t.after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
  return roots;
}

test('loads recursively; the name is the relative path without .conf', async (t) => {
  const [d] = withDirs(t, tree({ 'a.conf': 'exec a\n', 'net/apache.conf': 'exec httpd\n', 'net/deep/x.conf': 'task\n', 'README': 'not a job', 'b.conf.dpkg-old': 'x' }));
  const r = await loadConfDirs([d!]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual([...r.classes.keys()], ['a', 'net/apache', 'net/deep/x']);
  assert.equal(r.classes.get('net/apache')?.path, join(d!, 'net/apache.conf'));
});

test('an .override is merged stanza by stanza; a lone override is ignored', async (t) => {
  const [d] = withDirs(t, tree({ 'a.conf': 'start on startup\nexec a\nenv X=1\n', 'a.override': 'manual\nenv X=2\n', 'lone.override': 'manual\n' }));
  const r = await loadConfDirs([d!]);
  assert.deepEqual(r.errors, []);
  const a = r.classes.get('a');
  assert.ok(a);
  assert.equal(a.manual, true);
  assert.equal(a.start, undefined);
  assert.deepEqual(a.env, [{ key: 'X', value: '2' }]);
  assert.equal(r.classes.has('lone'), false);
});

test('the first directory wins a name; an override counts from the conf\'s directory or earlier', async (t) => {
  const [d1, d2] = withDirs(t,
    tree({ 'a.conf': 'exec first\n', 'b.override': 'nice 5\n' }),
    tree({ 'a.conf': 'exec second\n', 'b.conf': 'exec b\n', 'c.conf': 'exec c\n', 'a.override': 'nice 7\n' }));
  const r = await loadConfDirs([d1!, d2!]);
  assert.deepEqual(r.errors, []);
  assert.equal(r.classes.get('a')?.process.main?.command, 'first');
  assert.equal(r.classes.get('a')?.nice, undefined, 'an override in a later directory does not apply');
  assert.equal(r.classes.get('b')?.nice, 5, 'an override in an earlier directory applies');
  assert.equal(r.classes.get('c')?.process.main?.command, 'c');
});

test('one bad file never keeps the others from loading; a bad override is reported and ignored', async (t) => {
  const [d] = withDirs(t, tree({ 'bad.conf': 'exec a\nnice 99\n', 'good.conf': 'exec g\n', 'ok.conf': 'exec ok\n', 'ok.override': 'umask 9\n' }));
  const r = await loadConfDirs([d!]);
  assert.deepEqual(r.errors.map((e) => [e.file.slice(d!.length + 1), e.code, e.line]), [['bad.conf', 'bad-nice', 2], ['ok.override', 'bad-umask', 1]]);
  assert.deepEqual([...r.classes.keys()], ['good', 'ok']);
  assert.equal(r.classes.get('ok')?.umask, undefined);
});

test('dangling links and non-regular files are reported, not fatal; a missing directory holds nothing', async (t) => {
  const [d] = withDirs(t, tree({ 'good.conf': 'exec g\n', '.hidden.conf': 'exec h\n' }));
  symlinkSync(join(d!, 'nowhere.conf'), join(d!, 'dangling.conf'));
  symlinkSync(d!, join(d!, 'loop')); // a directory link back to itself must not recurse forever
  const fifo = spawnSync('mkfifo', [join(d!, 'fifo.conf')]);
  const r = await loadConfDirs([join(d!, 'missing'), d!]);
  const got = r.errors.map((e) => [e.file.slice(d!.length + 1), e.code]);
  assert.deepEqual(got, [['dangling.conf', 'dangling-link'], ...(fifo.status === 0 ? [['fifo.conf', 'not-regular-file']] : [])]);
  assert.match(r.errors[0]!.format(), /dangling\.conf: dangling symbolic link/);
  assert.deepEqual([...r.classes.keys()], ['good']);
});

test('an unreadable file is reported', async (t) => {
  if (process.getuid?.() === 0) {
    t.skip('running as root: permissions cannot make a file unreadable');
    return;
  }
  const [d] = withDirs(t, tree({ 'secret.conf': 'exec s\n', 'good.conf': 'exec g\n' }));
  chmodSync(join(d!, 'secret.conf'), 0);
  const r = await loadConfDirs([d!]);
  assert.deepEqual(r.errors.map((e) => e.code), ['unreadable']);
  assert.deepEqual([...r.classes.keys()], ['good']);
});
