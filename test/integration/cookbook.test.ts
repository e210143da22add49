// Cookbook recipes run as written: a pre-start's `stop; exit 0` finds `stop` on the job's PATH, with no alias installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LINK_NAMES } from '../../src/control/aliases.ts';
import { ROOT, startDaemon, waitUntil } from './harness.ts';

const page = readFileSync(join(ROOT, 'docs/guide/cookbook.md'), 'utf8');

/** The job text under a cookbook heading (its first ```text block). */
function recipe(heading: string): string {
  const at = page.indexOf(`## ${heading}\n`);
  assert.ok(at >= 0, `the cookbook has "${heading}"`);
  const m = /```text\n([\s\S]*?)```/.exec(page.slice(at));
  assert.ok(m, `"${heading}" has a job`);
  return m[1]!;
}

const skip = existsSync(join(ROOT, 'dist/bundle/upstart.cjs')) ? false : 'dist is not built (npm run build:ts)';

test('"Check, and maybe do not start": stop in pre-start cancels the start cleanly', { skip }, async () => {
  const text = recipe('Check, and maybe do not start');
  assert.match(text, /stop; exit 0/);
  // The daemon's PATH is the system's alone: `stop` can only come from what the daemon adds to a job's PATH.
  const d = await startDaemon({ app: text.replace('/etc/app/config.yml', '/nonexistent/config.yml').replace('/usr/bin/app', '/bin/sleep 300') }, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  try {
    const r = await d.initctl(['start', 'app']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'app stop/waiting\n');
    const log = await waitUntil('the pre-start output in the log', () => {
      const path = join(d.logdir, 'app.log');
      return existsSync(path) && readFileSync(path, 'utf8').includes('no config') ? readFileSync(path, 'utf8') : undefined;
    });
    assert.doesNotMatch(log, /not found/);
    const events = (await d.initctl(['events'])).stdout;
    assert.match(events, /event stopped JOB=app INSTANCE= RESULT=ok\n/);
    assert.doesNotMatch(events, /RESULT=failed/);
  } finally {
    await d.stop();
  }
});

test('every name initctl answers to is a link to it in bin/', () => {
  const aliases = LINK_NAMES.filter((n) => n !== 'initctl');
  assert.deepEqual(aliases, ['start', 'stop', 'restart', 'reload', 'status']);
  for (const name of aliases) assert.equal(readlinkSync(join(ROOT, 'bin', name)), 'initctl', `bin/${name}`);
});
