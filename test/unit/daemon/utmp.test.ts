// utmp records: the 384-byte layout round-trips, RUN_LVL records are replaced in utmp and appended to wtmp, and the runlevel reads back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendWtmp, decodeUtmp, encodeUtmp, putUtmp, readUtmp, runlevelOf, runlevelRecord, shutdownRecord, USER_PROCESS, UTMP_SIZE } from '../../../src/daemon/utmp.ts';

const dir = mkdtempSync(join(tmpdir(), 'upstart-utmp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a record round-trips through the 384-byte layout; the runlevel record packs new + 256 * old', () => {
  const r = runlevelRecord('3', '2', 1_700_000_000_123);
  assert.equal(encodeUtmp(r).length, UTMP_SIZE);
  assert.deepEqual(decodeUtmp(encodeUtmp(r)), r);
  assert.equal(r.pid, 0x33 + 256 * 0x32);
  assert.equal(r.usec, 123_000);
  assert.deepEqual(runlevelOf([r]), { runlevel: '3', previous: '2' });
  assert.deepEqual(runlevelOf([runlevelRecord('2', 'N', 0)]), { runlevel: '2', previous: 'N' });
  assert.equal(runlevelOf([]), undefined);
});

test('utmp keeps one runlevel record (replaced in place, users kept); wtmp gets every record appended', () => {
  const utmp = join(dir, 'utmp');
  const wtmp = join(dir, 'wtmp');
  const user = { type: USER_PROCESS, pid: 42, line: 'pts/0', id: 'ts/0', user: 'alice', host: '', sec: 1, usec: 0 };
  writeFileSync(utmp, encodeUtmp(user));
  for (const [n, p] of [['2', 'N'], ['3', '2'], ['0', '3']] as const) {
    putUtmp(utmp, runlevelRecord(n, p, 1000));
    appendWtmp(wtmp, runlevelRecord(n, p, 1000));
  }
  appendWtmp(wtmp, shutdownRecord(2000));
  const u = readUtmp(utmp);
  assert.equal(u.length, 2);
  assert.deepEqual(u[0], user);
  assert.deepEqual(runlevelOf(u), { runlevel: '0', previous: '3' });
  const w = readUtmp(wtmp);
  assert.deepEqual(w.map((r) => r.user), ['runlevel', 'runlevel', 'runlevel', 'shutdown']);
  assert.equal(statSync(wtmp).size, 4 * UTMP_SIZE);
  assert.deepEqual(readUtmp(join(dir, 'none')), []);
});
