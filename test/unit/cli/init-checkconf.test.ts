// init-checkconf: golden output and exit statuses for valid, invalid and missing files, usage errors, --json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../src/cli/init-checkconf.ts';

async function run(argv: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
    return { out, err, code: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = saved;
  }
}

function dir(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'upstart-ts-checkconf-'));
  for (const [n, text] of Object.entries(files)) writeFileSync(join(d, n), text);
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('valid files: syntax ok, exit 0', async (t) => {
  const d = dir(t, { 'a.conf': 'start on startup\nexec a\n', 'b.conf': 'task\n' });
  const r = await run([join(d, 'a.conf'), join(d, 'b.conf')]);
  assert.equal(r.out, `File ${join(d, 'a.conf')}: syntax ok\nFile ${join(d, 'b.conf')}: syntax ok\n`);
  assert.equal(r.err, '');
  assert.equal(r.code, 0);
});

test('an invalid file: its errors at the right line, exit 1; the valid one still ok', async (t) => {
  const d = dir(t, { 'bad.conf': 'description "x"\nstart on (a and\n  b\nexec x\nrespwan\n', 'good.conf': 'exec g\n' });
  const bad = join(d, 'bad.conf');
  const r = await run([bad, join(d, 'good.conf')]);
  assert.equal(r.out, `File ${join(d, 'good.conf')}: syntax ok\n`);
  assert.equal(r.err, `${bad}:6:1: unbalanced parenthesis: expected ')' to close the '(' at line 2 column 10, found the end of the file\n`);
  assert.equal(r.code, 1);
});

test('the .override beside a .conf is checked too', async (t) => {
  const d = dir(t, { 'a.conf': 'exec a\n', 'a.override': 'nice 50\n' });
  const r = await run([join(d, 'a.conf')]);
  assert.equal(r.err, `${join(d, 'a.override')}:1:6: bad nice value '50': expected a whole number from -20 to 19\n`);
  assert.equal(r.code, 1);
});

test('a missing file is reported, exit 1', async (t) => {
  const d = dir(t, {});
  const r = await run([join(d, 'nope.conf')]);
  assert.equal(r.err, `${join(d, 'nope.conf')}: no such file\n`);
  assert.equal(r.code, 1);
});

test('usage errors exit 2', async () => {
  const none = await run([]);
  assert.equal(none.err, "init-checkconf: missing job configuration file\nTry `init-checkconf --help' for more information.\n");
  assert.equal(none.code, 2);
  const bad = await run(['--frob', 'x.conf']);
  assert.equal(bad.err, "init-checkconf: unrecognised option '--frob'\nTry `init-checkconf --help' for more information.\n");
  assert.equal(bad.code, 2);
  const help = await run(['--help']);
  assert.match(help.out, /^Usage: init-checkconf/);
  assert.equal(help.code, 0);
});

test('a process defined twice: syntax ok, with a warning naming the line', async (t) => {
  const d = dir(t, { 'twice.conf': 'exec a\nscript\n  b\nend script\n' });
  const f = join(d, 'twice.conf');
  const r = await run([f]);
  assert.equal(r.code, 0);
  assert.equal(r.out, `File ${f}: syntax ok\n`);
  assert.equal(r.err, `${f}:2:1: warning: the main process is defined again ('script' after 'exec'): this later one replaces the earlier one\n`);
});

test('an action stanza (ours): syntax ok, with a warning that Upstart 1.13 would reject the file', async (t) => {
  const d = dir(t, { 'act.conf': 'exec sleep 1\naction rotate exec kill -HUP 1\n' });
  const f = join(d, 'act.conf');
  const r = await run([f]);
  assert.equal(r.code, 0);
  assert.equal(r.out, `File ${f}: syntax ok\n`);
  assert.equal(r.err, `${f}:2:1: warning: action rotate: an upstart-ts extension; Upstart 1.13 would reject this file (it has no action stanza)\n`);
});

test('kill mode (ours): syntax ok, with a warning that Upstart 1.13 would reject the file', async (t) => {
  const d = dir(t, { 'ssh.conf': 'exec /usr/sbin/sshd -D\nkill mode process\n' });
  const f = join(d, 'ssh.conf');
  const r = await run([f]);
  assert.equal(r.code, 0);
  assert.equal(r.out, `File ${f}: syntax ok\n`);
  assert.equal(r.err, `${f}:2:1: warning: kill mode: an upstart-ts extension; Upstart 1.13 would reject this file (it knows only kill signal and kill timeout)\n`);
});

test('--json: each file with ok, job (stable field names) and errors', async (t) => {
  const d = dir(t, { 'a.conf': 'start on started b\nexec a\nnice 5\n', 'bad.conf': 'nice 50\n' });
  const r = await run(['--json', join(d, 'a.conf'), join(d, 'bad.conf')]);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.out) as { file: string; ok: boolean; job?: Record<string, unknown>; errors: unknown[] }[];
  assert.equal(doc.length, 2);
  assert.equal(doc[0]?.ok, true);
  assert.deepEqual(Object.keys(doc[0]?.job ?? {}), ['name', 'path', 'start', 'manual', 'emits', 'env', 'export', 'imports', 'tmpfiles', 'task', 'respawn', 'normalExit', 'process', 'nice', 'limits', 'apparmor', 'cgroups', 'expect', 'killSignal', 'killTimeout', 'reloadSignal', 'debug']);
  assert.deepEqual(doc[0]?.job?.start, { kind: 'event', name: 'started', args: [{ value: 'b' }] });
  assert.deepEqual(doc[0]?.job?.process, { main: { kind: 'exec', command: 'a', line: 2 } });
  assert.deepEqual(doc[1], { file: join(d, 'bad.conf'), ok: false, errors: [{ file: join(d, 'bad.conf'), line: 1, column: 6, code: 'bad-nice', message: "bad nice value '50': expected a whole number from -20 to 19" }], warnings: [] });
});

const corpus = fileURLToPath(new URL('../../../../shared/corpus', import.meta.url));
test('accepts every corpus file', { skip: existsSync(corpus) ? false : `corpus not found at ${corpus} (../shared is absent)` }, async () => {
  const files = readdirSync(corpus).filter((f) => f.endsWith('.conf')).map((f) => join(corpus, f));
  const r = await run(files);
  assert.equal(r.err, '');
  assert.equal(r.code, 0);
  assert.equal(r.out.split('\n').filter((l) => l.endsWith(': syntax ok')).length, files.length);
});

test("our extensions are warnings: the file is valid here, but Upstart 1.13's init would reject it", async () => {
  const d = mkdtempSync(join(tmpdir(), 'checkconf-ext-'));
  const f = join(d, 'ext.conf');
  writeFileSync(f, 'watchdog 5\nexpect stop\nready timeout 3\npre-start script\n  watchdog 3\nend script\nnotification fd 3\n  expect ready\nexec x \\\n  watchdog\n');
  const r = await run([f]);
  rmSync(d, { recursive: true, force: true });
  assert.equal(r.code, 0);
  assert.equal(r.out, `File ${f}: syntax ok\n`);
  assert.deepEqual(r.err.split('\n').filter((l) => l !== '').map((l) => l.replace(/ is an upstart-ts extension.*$/, '')), [
    `${f}:1:1: warning: 'watchdog' (ours, docs/readiness.md)`,
    `${f}:3:1: warning: 'ready timeout' (ours, docs/job-language.md)`,
    `${f}:7:1: warning: 'notification fd' (ours, docs/readiness.md)`,
    `${f}:8:3: warning: 'expect CONDITION' / 'expect ready' (ours, DESIGN §3.6)`,
  ]);
});
