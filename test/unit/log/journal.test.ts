// Tests for the event journal: ring bound and order, stamping, followers, the JSONL file and its buffering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalEntry } from '../../../src/model/engineApi.ts';
import { Journal } from '../../../src/log/journal.ts';
import { FakeClock } from '../../../src/platform/fakeClock.ts';
import { tempDir, waitFor } from './helpers.ts';

const ev = (i: number): JournalEntry => ({ t: i, wall: 1000 + i, kind: 'event', name: `e${i}`, env: [] });

test('the ring keeps the newest `capacity` entries, oldest first', () => {
  const cases: Array<[number, number, number[]]> = [
    [3, 0, []],
    [3, 2, [0, 1]],
    [3, 3, [0, 1, 2]],
    [3, 7, [4, 5, 6]],
    [1, 5, [4]],
  ];
  for (const [cap, n, want] of cases) {
    const j = new Journal({ capacity: cap });
    for (let i = 0; i < n; i++) j.append(ev(i));
    assert.deepEqual(j.entries().map((e) => e.t), want, `cap ${cap}, ${n} appended`);
    assert.equal(j.stats().appended, n);
  }
});

test('record() stamps monotonic and wall time from the clock', () => {
  const clock = new FakeClock();
  const j = new Journal({ clock });
  clock.advance(1500);
  const e = j.record({ kind: 'spawn', job: 'foo', instance: '', process: 'main', pid: 42 });
  assert.deepEqual(e, { kind: 'spawn', job: 'foo', instance: '', process: 'main', pid: 42, t: 1500, wall: clock.wallNow() });
  assert.deepEqual(j.entries(), [e]);
});

test('followers see each new entry once; unsubscribe stops them; a throwing follower harms no one', () => {
  const j = new Journal({ capacity: 10 });
  j.append(ev(0));
  const seen: number[] = [];
  const stop = j.follow((e) => seen.push(e.t));
  const stopBad = j.follow(() => {
    throw new Error('listener bug');
  });
  j.append(ev(1));
  j.append(ev(2));
  stop();
  j.append(ev(3));
  stopBad();
  assert.deepEqual(seen, [1, 2]);
  assert.equal(j.stats().listenerErrors, 3);
  assert.equal(j.entries().length, 4);
});

test('entries go to LOGDIR/upstart-events.jsonl once the directory is writable, in order', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logDir = join(d.path, 'log');
  const j = new Journal({ logDir, clock: new FakeClock() });
  t.after(() => j.close());
  j.append(ev(1));
  j.append({ t: 2, wall: 1002, kind: 'state', job: 'foo', instance: 'i', goal: 'start', state: 'running' });
  await j.settled();
  assert.equal(j.stats().file?.bytesWritten, 0);
  mkdirSync(logDir);
  j.diskWritable();
  j.append({ t: 3, wall: 1003, kind: 'exit', job: 'foo', instance: 'i', process: 'main', pid: 7, status: 0 });
  await waitFor(() => j.stats().file?.buffered === 0, 'journal flush');
  const lines = readFileSync(join(logDir, 'upstart-events.jsonl'), 'utf8').trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as JournalEntry).t), [1, 2, 3]);
  assert.deepEqual(JSON.parse(lines[1]!), { t: 2, wall: 1002, kind: 'state', job: 'foo', instance: 'i', goal: 'start', state: 'running' });
});

test('past maxFileBytes the file becomes upstart-events.jsonl.1 and a new one starts: the newest lines, in order, nothing else', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logDir = join(d.path, 'log');
  mkdirSync(logDir);
  const j = new Journal({ logDir, clock: new FakeClock(), maxFileBytes: 2000 });
  t.after(() => j.close());
  // Each line is about 60 bytes: 200 lines rotate about six times; only the last two files remain.
  for (let i = 0; i < 200; i++) {
    j.append(ev(i));
    if (i % 10 === 9) await j.settled(); // let the writes (and renames) happen as a daemon's would, over time
  }
  await j.settled();
  await waitFor(() => j.stats().file?.buffered === 0, 'journal flush');
  const read = (name: string): number[] => readFileSync(join(logDir, name), 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as JournalEntry).t);
  const old = read('upstart-events.jsonl.1');
  const current = read('upstart-events.jsonl');
  const both = [...old, ...current];
  assert.equal(both.at(-1), 199);
  assert.deepEqual(both, both.map((_, k) => both[0]! + k), 'one unbroken run of the newest entries');
  assert.ok(both.length < 200 && both.length >= 2000 / 70, `${both.length} lines kept`);
});

test('a journal without a log directory is memory only', async () => {
  const j = new Journal();
  j.append(ev(1));
  assert.equal(j.stats().file, undefined);
  await j.settled();
  await j.close();
});
