// Tests for LogFile: ordered appends, 0640 files, buffering while unwritable, the drop marker, retry, rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogFile, type LogFileOptions } from '../../../src/log/logFile.ts';
import { realClock } from '../../../src/platform/clock.ts';
import { FakeClock } from '../../../src/platform/fakeClock.ts';
import { recordingLogger, tempDir, waitFor } from './helpers.ts';

function make(path: string, over: Partial<LogFileOptions> = {}): LogFile {
  return new LogFile({ path, bufferLimit: 1024, retryMs: 50, highWater: 1 << 20, stallMs: 5000, clock: realClock, ...over });
}

test('appends in order and creates the file 0640 whatever the umask', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const old = process.umask(0o077);
  t.after(() => process.umask(old));
  const f = make(join(d.path, 'job.log'));
  for (let i = 0; i < 100; i++) f.append(Buffer.from(`line ${i}\n`));
  await f.settled();
  const want = Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('');
  assert.equal(readFileSync(join(d.path, 'job.log'), 'utf8'), want);
  assert.equal(statSync(join(d.path, 'job.log')).mode & 0o777, 0o640);
  assert.deepEqual(f.stats(), { bytesWritten: want.length, bytesDropped: 0, buffered: 0 });
  await f.close();
});

test('an existing file is appended to and keeps its mode', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const p = join(d.path, 'job.log');
  writeFileSync(p, 'old\n', { mode: 0o600 });
  const f = make(p);
  f.append(Buffer.from('new\n'));
  await f.settled();
  assert.equal(readFileSync(p, 'utf8'), 'old\nnew\n');
  assert.equal(statSync(p).mode & 0o777, 0o600);
  await f.close();
});

test('buffers while the directory is missing, then flushes in order on kick()', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const dir = join(d.path, 'not-yet');
  const clock = new FakeClock();
  const log = recordingLogger();
  const f = make(join(dir, 'job.log'), { clock, logger: log });
  f.append(Buffer.from('one\n'));
  await f.settled();
  f.append(Buffer.from('two\n'));
  await f.settled();
  assert.deepEqual(f.stats(), { bytesWritten: 0, bytesDropped: 0, buffered: 8 });
  assert.ok(log.lines.some((l) => l.startsWith('warn:') && l.includes('ENOENT')), log.lines.join('\n'));
  assert.equal(log.lines.filter((l) => l.startsWith('warn:')).length, 1, 'one warning, not one per retry');
  mkdirSync(dir);
  f.kick();
  await waitFor(() => f.stats().bytesWritten === 8, 'flush');
  await f.settled();
  assert.equal(readFileSync(join(dir, 'job.log'), 'utf8'), 'one\ntwo\n');
  await f.close();
});

test('past the bound the oldest bytes go and one marker line says how many', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const dir = join(d.path, 'later');
  const f = make(join(dir, 'job.log'), { bufferLimit: 10, clock: new FakeClock() });
  f.append(Buffer.from('0123456789'));
  await f.settled();
  f.append(Buffer.from('abcdefghij'));
  f.append(Buffer.from('KLMNO\n'));
  await f.settled();
  assert.deepEqual(f.stats(), { bytesWritten: 0, bytesDropped: 16, buffered: 10 });
  mkdirSync(dir);
  f.kick();
  await waitFor(() => f.stats().buffered === 0, 'flush');
  const text = readFileSync(join(dir, 'job.log'), 'utf8');
  const lines = text.split('\n');
  assert.match(lines[0]!, /^\[upstart-ts: 16 bytes of output dropped here/);
  assert.equal(lines.slice(1).join('\n'), 'ghijKLMNO\n');
  assert.deepEqual(f.stats(), { bytesWritten: 10, bytesDropped: 16, buffered: 0 });
  await f.close();
});

test('the marker starts on a line of its own', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const p = join(d.path, 'job.log');
  const clock = new FakeClock();
  const f = make(p, { bufferLimit: 4, clock });
  f.append(Buffer.from('partial'));
  await f.settled();
  // Make the file unwritable by replacing it with a directory of the same name, then restore it.
  renameSync(p, `${p}.1`);
  mkdirSync(p);
  f.append(Buffer.from('xxxxyyyy'));
  await f.settled();
  assert.equal(f.stats().bytesDropped, 4);
  (await import('node:fs')).rmdirSync(p);
  clock.advance(50);
  await waitFor(() => f.stats().buffered === 0, 'flush after retry');
  const text = readFileSync(p, 'utf8');
  assert.match(text, /^\[upstart-ts: 4 bytes of output dropped here[^\n]*\]\nyyyy$/);
  assert.equal(readFileSync(`${p}.1`, 'utf8'), 'partial');
  await f.close();
});

test('the retry timer notices a directory that became writable', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const dir = join(d.path, 'later');
  const clock = new FakeClock();
  const f = make(join(dir, 'job.log'), { clock, retryMs: 1000 });
  f.append(Buffer.from('hello\n'));
  await f.settled();
  mkdirSync(dir);
  clock.advance(999);
  await new Promise((r) => setImmediate(r));
  assert.equal(f.stats().bytesWritten, 0, 'not before retryMs');
  clock.advance(1);
  await waitFor(() => f.stats().bytesWritten === 6, 'retry');
  assert.equal(readFileSync(join(dir, 'job.log'), 'utf8'), 'hello\n');
  await f.close();
});

test('the next append after retryMs retries without waiting for the timer', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const dir = join(d.path, 'later');
  const clock = new FakeClock();
  const f = make(join(dir, 'job.log'), { clock, retryMs: 1000 });
  f.append(Buffer.from('a'));
  await f.settled();
  mkdirSync(dir);
  // Time passes without the timer firing (as when the event loop was busy).
  (clock as unknown as { t: number }).t = 5000;
  f.append(Buffer.from('b'));
  await waitFor(() => f.stats().bytesWritten === 2, 'write on append');
  assert.equal(readFileSync(join(dir, 'job.log'), 'utf8'), 'ab');
  await f.close();
});

test('rotation: a renamed or deleted file is reopened on the next write', async (t) => {
  for (const how of ['rename', 'delete'] as const) {
    const d = tempDir();
    t.after(d.cleanup);
    const p = join(d.path, 'job.log');
    const f = make(p);
    f.hold();
    f.append(Buffer.from('before\n'));
    await f.settled();
    if (how === 'rename') renameSync(p, `${p}.1`);
    else unlinkSync(p);
    f.append(Buffer.from('after\n'));
    await f.settled();
    assert.equal(readFileSync(p, 'utf8'), 'after\n', how);
    assert.equal(statSync(p).mode & 0o777, 0o640, how);
    if (how === 'rename') assert.equal(readFileSync(`${p}.1`, 'utf8'), 'before\n');
    f.release();
    await f.close();
  }
});

test('appends after close are counted as dropped, never thrown', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const f = make(join(d.path, 'job.log'));
  f.append(Buffer.from('x'));
  await f.close();
  f.append(Buffer.from('yz'));
  assert.deepEqual(f.stats(), { bytesWritten: 1, bytesDropped: 2, buffered: 0 });
  assert.ok(existsSync(join(d.path, 'job.log')));
});
