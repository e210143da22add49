// The Chromium OS tmpfiles stanza through the real daemon: systemd-tmpfiles --create before pre-start; a bad file fails the start in pre-start.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath } from '../../src/daemon/tmpfiles.ts';
import { startDaemon, waitForFile, type DaemonHandle } from './harness.ts';

const why = findOnPath('systemd-tmpfiles', process.env.PATH) === undefined ? 'needs systemd-tmpfiles (Debian package systemd; .ci/run installs it)' : '';
if (why) console.log(`# skipping the tmpfiles stanza: ${why}`);
const skip = why || false;

let d: DaemonHandle;
before(async () => {
  if (skip) return;
  d = await startDaemon({});
  const made = join(d.dir, 'made');
  writeFileSync(join(d.dir, 'good.conf'), `d ${made} 0750 - - -\nf ${made}/hello 0640 - - - hi\n`);
  writeFileSync(join(d.dir, 'bad.conf'), `d ${join(d.dir, 'never')} 0755 nosuchuser-upstart-ts - -\n`);
  d.writeJob('prepared', `task\ntmpfiles ${join(d.dir, 'good.conf')}\npre-start exec sh -c 'test -d "${made}" && echo pre-start saw it > "${d.dir}/prepared.pre"'\nexec cat "${made}/hello"\n`);
  d.writeJob('unprepared', `task\ntmpfiles ${join(d.dir, 'bad.conf')}\nexec true\n`);
  await d.initctl(['reload-configuration']);
});
after(async () => {
  await d?.stop();
});

test('tmpfiles: the paths exist, with their modes, before pre-start runs', { skip }, async () => {
  const r = await d.initctl(['start', 'prepared']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await waitForFile(join(d.dir, 'prepared.pre')), 'pre-start saw it\n');
  assert.equal(statSync(join(d.dir, 'made')).mode & 0o7777, 0o750);
  assert.equal(statSync(join(d.dir, 'made', 'hello')).mode & 0o7777, 0o640);
  // A task's start returns once it has stopped: its output is all in the log by now.
  assert.equal(readFileSync(join(d.logdir, 'prepared.log'), 'utf8'), 'hi');
});

test('tmpfiles: an error fails the start in pre-start, with what systemd-tmpfiles said in the daemon log', { skip }, async () => {
  const r = await d.initctl(['start', 'unprepared']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Job failed to start/);
  assert.match(r.stderr, /tmpfiles: systemd-tmpfiles --create \S+bad\.conf exited with status \d+: .*nosuchuser-upstart-ts/);
  assert.match(d.stderr(), /unprepared: tmpfiles failed: systemd-tmpfiles --create/);
});
