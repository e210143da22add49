// Golden tests for the human journal lines `initctl events` prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalEntry } from '../../../src/model/engineApi.ts';
import { formatJournalEntry } from '../../../src/log/journalFormat.ts';

const wall = Date.UTC(2026, 10, 27, 12, 0, 1, 234);

test('one line per entry kind', () => {
  const cases: Array<[JournalEntry, string]> = [
    [{ t: 12345, wall, kind: 'event', name: 'startup', env: [] },
      '2026-11-27 12:00:01.234 [    12.345] event        startup'],
    [{ t: 0, wall, kind: 'event', name: 'runlevel', env: ['RUNLEVEL=2', 'PREVLEVEL=N'] },
      '2026-11-27 12:00:01.234 [     0.000] event        runlevel RUNLEVEL=2 PREVLEVEL=N'],
    [{ t: 1, wall, kind: 'event', name: 'x', env: ['MSG=two words', 'NL=a\nb'] },
      '2026-11-27 12:00:01.234 [     0.001] event        x "MSG=two words" "NL=a\\nb"'],
    [{ t: 2500, wall, kind: 'state', job: 'foo', instance: '', goal: 'start', state: 'running' },
      '2026-11-27 12:00:01.234 [     2.500] state        foo start/running'],
    [{ t: 2500, wall, kind: 'state', job: 'tty', instance: 'tty1', goal: 'stop', state: 'killed' },
      '2026-11-27 12:00:01.234 [     2.500] state        tty (tty1) stop/killed'],
    [{ t: 3000, wall, kind: 'spawn', job: 'foo', instance: '', process: 'pre-start', pid: 4242 },
      '2026-11-27 12:00:01.234 [     3.000] spawn        foo pre-start process 4242'],
    [{ t: 4000, wall, kind: 'exit', job: 'foo', instance: '', process: 'main', pid: 4243, status: 1 },
      '2026-11-27 12:00:01.234 [     4.000] exit         foo main process 4243 exited 1'],
    [{ t: 4000, wall, kind: 'exit', job: 'foo', instance: 'a', process: 'main', pid: 4243, signal: 'TERM' },
      '2026-11-27 12:00:01.234 [     4.000] exit         foo (a) main process 4243 killed by TERM'],
    [{ t: 5000, wall, kind: 'spawn-failed', job: 'foo', instance: '', process: 'main', message: 'No such file\nor directory' },
      '2026-11-27 12:00:01.234 [     5.000] spawn-failed foo main: No such file\\nor directory'],
  ];
  for (const [e, want] of cases) assert.equal(formatJournalEntry(e, { utc: true }), want);
});

test('local time is the default', () => {
  const e: JournalEntry = { t: 0, wall, kind: 'event', name: 'x', env: [] };
  const d = new Date(wall);
  const hh = String(d.getHours()).padStart(2, '0');
  assert.ok(formatJournalEntry(e).includes(` ${hh}:`));
});
