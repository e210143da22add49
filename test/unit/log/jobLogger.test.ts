// Tests for JobLogger over FIFOs (pipes): file names, completeness at exit, order, buffering, stats, pressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobLogger } from '../../../src/log/jobLogger.ts';
import { FakeClock } from '../../../src/platform/fakeClock.ts';
import { fifo, tempDir, waitFor, within, writeThroughFifo } from './helpers.ts';

test('a job and an instance get their own files; attach resolves with the last byte written', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logger = new JobLogger({ logDir: d.path });
  t.after(() => logger.close());
  const cases: Array<{ job: string; instance: string; file: string; script: string; want: string }> = [
    { job: 'foo', instance: '', file: 'foo.log', script: 'echo hello', want: 'hello\n' },
    { job: 'foo/bar', instance: 'wibble', file: 'foo_bar-wibble.log', script: 'printf "no newline"', want: 'no newline' },
    { job: 'getty', instance: '/dev/ttyS0', file: 'getty-_dev_ttyS0.log', script: 'echo out; echo err >&2', want: 'out\nerr\n' },
  ];
  for (const [i, c] of cases.entries()) {
    const f = fifo(d.path, `f${i}`);
    const done = logger.attach({ job: c.job, instance: c.instance }, f.readFd);
    const w = writeThroughFifo(f.path, c.script);
    assert.equal(await w.exited, 0);
    await within(done, 20_000, 'attach');
    assert.equal(readFileSync(join(d.path, c.file), 'utf8'), c.want, c.file);
    assert.equal(logger.logPath(c.job, c.instance), join(d.path, c.file));
    assert.deepEqual(logger.stats(c.job, c.instance), { bytesWritten: c.want.length, bytesDropped: 0, buffered: 0 });
  }
});

test('stdout and stderr interleave in write order; a big burst then exit loses nothing', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logger = new JobLogger({ logDir: d.path });
  t.after(() => logger.close());
  const f = fifo(d.path);
  const done = logger.attach({ job: 'chatty', instance: '' }, f.readFd);
  const w = writeThroughFifo(f.path, 'i=0; while [ $i -lt 2000 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done; head -c 3000000 /dev/zero | tr "\\0" x');
  await w.exited;
  await within(done, 30_000, 'attach');
  const text = readFileSync(join(d.path, 'chatty.log'), 'latin1');
  const want = Array.from({ length: 2000 }, (_, i) => `out ${i}\nerr ${i}\n`).join('') + 'x'.repeat(3_000_000);
  assert.equal(text.length, want.length);
  assert.ok(text === want, 'content differs');
});

test('several processes of one instance share its file; stats count all', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logger = new JobLogger({ logDir: d.path });
  t.after(() => logger.close());
  const a = fifo(d.path, 'a');
  const b = fifo(d.path, 'b');
  const da = logger.attach({ job: 'svc', instance: '' }, a.readFd);
  const db = logger.attach({ job: 'svc', instance: '' }, b.readFd);
  await writeThroughFifo(a.path, 'echo pre-start').exited;
  await within(da, 20_000, 'first attach');
  await writeThroughFifo(b.path, 'echo main').exited;
  await within(db, 20_000, 'second attach');
  assert.equal(readFileSync(join(d.path, 'svc.log'), 'utf8'), 'pre-start\nmain\n');
  assert.equal(logger.stats('svc', '').bytesWritten, 15);
  assert.deepEqual(logger.stats('never', ''), { bytesWritten: 0, bytesDropped: 0, buffered: 0 });
});

test('before the directory exists output is buffered (attach still resolves), then flushed by diskWritable()', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logDir = join(d.path, 'var-log-upstart');
  const logger = new JobLogger({ logDir, clock: new FakeClock(), bufferLimit: 64 });
  t.after(() => logger.close());
  const f = fifo(d.path);
  const done = logger.attach({ job: 'early', instance: '' }, f.readFd);
  await writeThroughFifo(f.path, 'echo early bird').exited;
  await within(done, 20_000, 'attach resolves while buffering');
  assert.deepEqual(logger.stats('early', ''), { bytesWritten: 0, bytesDropped: 0, buffered: 11 });
  // Past the bound: the oldest go.
  const g = fifo(d.path, 'g');
  const done2 = logger.attach({ job: 'early', instance: '' }, g.readFd);
  await writeThroughFifo(g.path, 'i=0; while [ $i -lt 20 ]; do echo "line $i"; i=$((i+1)); done').exited;
  await within(done2, 20_000, 'second attach');
  const s = logger.stats('early', '');
  assert.equal(s.buffered, 64);
  const total = 11 + Array.from({ length: 20 }, (_, i) => `line ${i}\n`.length).reduce((x, y) => x + y, 0);
  assert.equal(s.bytesDropped, total - 64);
  mkdirSync(logDir);
  logger.diskWritable();
  await waitFor(() => logger.stats('early', '').buffered === 0, 'flush');
  const text = readFileSync(join(logDir, 'early.log'), 'utf8');
  const lines = text.split('\n');
  assert.match(lines[0]!, new RegExp(`^\\[upstart-ts: ${total - 64} bytes of output dropped here`));
  assert.ok(text.endsWith('line 18\nline 19\n'));
  assert.equal(text.length - lines[0]!.length - 1, 64);
});

test('a reader whose log is slow is paused, not dropped: every byte arrives in order', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  // A tiny high-water mark forces pause/resume cycles all through the run.
  const logger = new JobLogger({ logDir: d.path, highWater: 4096 });
  t.after(() => logger.close());
  const f = fifo(d.path);
  const done = logger.attach({ job: 'flood', instance: '' }, f.readFd);
  const w = writeThroughFifo(f.path, 'seq 1 200000');
  await w.exited;
  await within(done, 60_000, 'attach');
  const want = Array.from({ length: 200000 }, (_, i) => `${i + 1}\n`).join('');
  const got = readFileSync(join(d.path, 'flood.log'), 'utf8');
  assert.equal(got.length, want.length);
  assert.ok(got === want);
  assert.equal(logger.stats('flood', '').bytesDropped, 0);
});

test('a bad fd never throws: attach resolves and the reason is logged', async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const lines: string[] = [];
  const logger = new JobLogger({ logDir: d.path, logger: { info: (m) => lines.push(m), warn: (m) => lines.push(m) } });
  t.after(() => logger.close());
  await within(logger.attach({ job: 'x', instance: '' }, 987654), 5000, 'attach of a bad fd');
  assert.ok(lines.some((l) => l.includes('EBADF')), lines.join('\n'));
});
