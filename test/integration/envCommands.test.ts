// list-env / set-env / get-env / unset-env / reset-env against the real daemon, and the table reaching new job processes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { INITCTL, startDaemon, waitForFile, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  // --no-inherit-env: the table starts as PATH and TERM only, whatever the test runner's environment holds.
  d = await startDaemon({
    show: 'task\nscript\n  echo "GREETING=${GREETING-unset} KEPT=${KEPT-unset}" > "$OUT/show-$RUN"\nend script\n',
  }, { args: ['--no-inherit-env'] });
});

after(async () => {
  await d?.stop();
});

test('list-env starts as PATH and TERM, sorted', async () => {
  const r = await d.initctl(['list-env']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^PATH=[^\n]+\nTERM=linux\n$/);
});

test('set-env, get-env and list-env round trip; the next job process sees the value', async () => {
  assert.equal((await d.initctl(['set-env', `OUT=${d.dir}`])).code, 0);
  assert.equal((await d.initctl(['set-env', 'GREETING=hello world'])).code, 0);
  assert.equal((await d.initctl(['get-env', 'GREETING'])).stdout, 'hello world\n');
  const list = await d.initctl(['list-env']);
  assert.match(list.stdout, /^GREETING=hello world\nOUT=[^\n]+\nPATH=[^\n]+\nTERM=linux\n$/);
  const json = await d.initctl(['list-env', '--json']);
  assert.equal((JSON.parse(json.stdout) as Record<string, string>).GREETING, 'hello world');
  assert.equal((await d.initctl(['start', 'show', 'RUN=1'])).code, 0);
  assert.equal(await waitForFile(join(d.dir, 'show-1')), 'GREETING=hello world KEPT=unset\n');
});

test('set-env --retain keeps an existing value; VAR without a value sets it empty', async () => {
  assert.equal((await d.initctl(['set-env', '--retain', 'GREETING=bye'])).code, 0);
  assert.equal((await d.initctl(['get-env', 'GREETING'])).stdout, 'hello world\n');
  assert.equal((await d.initctl(['set-env', 'KEPT'])).code, 0);
  assert.equal((await d.initctl(['get-env', 'KEPT'])).stdout, '\n');
});

test('unset-env and get-env of an unknown variable; reset-env', async () => {
  assert.equal((await d.initctl(['unset-env', 'GREETING'])).code, 0);
  const g = await d.initctl(['get-env', 'GREETING']);
  assert.notEqual(g.code, 0);
  assert.match(g.stderr, /^initctl: /);
  assert.equal((await d.initctl(['reset-env'])).code, 0);
  assert.match((await d.initctl(['list-env'])).stdout, /^PATH=[^\n]+\nTERM=linux\n$/);
});

test("inside a job, set-env changes that job's own table: pre-start computes what main sees; the global table is untouched", async () => {
  d.writeJob('computes', [
    'env MODE=default',
    'pre-start script',
    `  ${INITCTL} set-env MODE=computed STAMP=$$`,
    `  ${INITCTL} list-env > "${d.dir}/computes.pre-start"`,
    'end script',
    `exec sh -c 'echo "MODE=$MODE STAMP=\${STAMP:+set} OUTSIDE=\${OUTSIDE-unset}" > "${d.dir}/computes.main"; exec sleep 6201'`,
    `post-stop exec sh -c 'echo "OUTSIDE=\${OUTSIDE-unset}" > "${d.dir}/computes.post-stop"'`,
    '',
  ].join('\n'));
  await d.initctl(['reload-configuration']);
  const started = await d.initctl(['start', 'computes']);
  assert.equal(started.code, 0, started.stderr);
  assert.equal(await waitForFile(join(d.dir, 'computes.main')), 'MODE=computed STAMP=set OUTSIDE=unset\n');
  const listed = await waitForFile(join(d.dir, 'computes.pre-start'));
  assert.match(listed, /^MODE=computed$/m);
  assert.match(listed, /^UPSTART_JOB=computes$/m);
  // Outside a job: the global table, which a running job's table follows for set and unset.
  assert.notEqual((await d.initctl(['get-env', 'MODE'])).code, 0);
  assert.equal((await d.initctl(['set-env', 'OUTSIDE=global'])).code, 0);
  assert.equal((await d.initctl(['stop', 'computes'])).code, 0);
  assert.equal(await waitForFile(join(d.dir, 'computes.post-stop')), 'OUTSIDE=global\n');
  assert.equal((await d.initctl(['unset-env', 'OUTSIDE'])).code, 0);
});
