// A --confdir that is missing or holds no job file is warned about, naming the option and the path; init(8)'s D-Bus and session options are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confdirWarnings } from '../../../src/daemon/confdirCheck.ts';
import { DAEMON_HELP, parseDaemonOptions } from '../../../src/daemon/options.ts';

test('missing, empty and file confdirs are warned about; one with a job file is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'confdir-check-'));
  try {
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'jobs'));
    writeFileSync(join(dir, 'jobs', 'a.conf'), 'exec true\n');
    writeFileSync(join(dir, 'plain'), '');
    const o = parseDaemonOptions(['--confdir', join(dir, 'jobs'), '--confdir', join(dir, 'nope'), '--append-confdir', join(dir, 'empty'), '--prepend-confdir', join(dir, 'plain')], false);
    const w = confdirWarnings(o, (d) => d);
    assert.equal(w.length, 3, w.join('\n'));
    assert.match(w[0] ?? '', /^--prepend-confdir .*plain: not a directory/);
    assert.match(w[1] ?? '', /^--confdir .*nope: no such directory; no jobs are loaded from it/);
    assert.match(w[2] ?? '', /^--append-confdir .*empty: no job files \(JOB\.conf\) there/);
    // The defaults (no --confdir given) may be absent: no warning.
    assert.deepEqual(confdirWarnings(parseDaemonOptions([], false), (d) => d), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--no-dbus, --session and --no-sessions are parsed and in --help', () => {
  const o = parseDaemonOptions(['--no-dbus', '--session', '--no-sessions'], false);
  assert.deepEqual([o.noDbus, o.dbusSessionBus, o.noSessions], [true, true, true]);
  const d = parseDaemonOptions([], false);
  assert.deepEqual([d.noDbus, d.dbusSessionBus, d.noSessions], [false, false, false]);
  for (const opt of ['--no-dbus', '--session', '--no-sessions']) assert.match(DAEMON_HELP, new RegExp(`^ +${opt} `, 'm'));
});
