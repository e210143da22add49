// JobLogger with real ptys (native openpty): the shared output scenarios, EOF races, buffering, rotation, bad dirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, constants, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { FdReader } from '../../../src/log/fdReader.ts';
import { JobLogger } from '../../../src/log/jobLogger.ts';
import { FakeClock } from '../../../src/platform/fakeClock.ts';
import { tempDir, waitFor, within, writeToFd } from '../../unit/log/helpers.ts';
import { OUTPUT_SCENARIOS, expectedOf, type Expected } from './outputScenarios.ts';

type Native = typeof import('../../../src/sys/index.ts');
let native: Native | null = null;
let whyNot = '';
try {
  native = await import('../../../src/sys/index.ts');
} catch (err) {
  whyNot = `native addon not loadable (${(err as Error).message}); run npm run build:native`;
}
const skip = native === null ? whyNot : false;
if (skip) console.log(`# skipping pty logger tests: ${skip}`);

/** A raw pty and a writer running `script` on its slave; the master is what the daemon would read. */
function ptyWriter(script: string): { master: number; exited: Promise<number | null> } {
  const pty = native!.openpty({ raw: true });
  const w = writeToFd(pty.slave, script);
  closeSync(pty.slave);
  return { master: pty.master, exited: w.exited };
}

function checkFile(path: string, want: Expected): void {
  const got = readFileSync(path);
  assert.equal(got.length, want.size, `${path}: size (${want.what})`);
  assert.equal(createHash('sha256').update(got).digest('hex'), want.sha256, `${path}: content (${want.what})`);
}

for (const [sc, nativePump] of OUTPUT_SCENARIOS.flatMap((s) => [[s, true], [s, false]] as const)) {
  test(`pty (${nativePump ? 'native pump' : 'event loop'}): ${sc.name}`, { skip }, async (t) => {
    const d = tempDir();
    t.after(d.cleanup);
    const logDir = join(d.path, 'log');
    mkdirSync(logDir);
    const logger = new JobLogger({ logDir, nativePump });
    t.after(() => logger.close());
    const { script, expected } = sc.prepare(d.path);
    const w = ptyWriter(script);
    const done = logger.attach({ job: sc.job, instance: sc.instance }, w.master);
    assert.equal(await w.exited, 0);
    await within(done, 120_000, `attach (${sc.name})`);
    checkFile(join(logDir, sc.file), expected);
    assert.deepEqual(logger.stats(sc.job, sc.instance), { bytesWritten: expected.size, bytesDropped: 0, buffered: 0 });
  });
}

test('pty: a paused reader still gets every byte of a writer that exited meanwhile', { skip }, async (t) => {
  // libuv reports end of file on POLLHUP after any short read; pty reads are always short, so
  // without the reader's own drain the bytes still in the kernel would be lost here.
  for (let round = 0; round < 5; round++) {
    const d = tempDir();
    t.after(d.cleanup);
    const data = Buffer.concat([Buffer.alloc(50_000, 0x61), Buffer.from('LAST')]);
    writeFileSync(join(d.path, 'in'), data);
    const w = ptyWriter(`exec cat '${join(d.path, 'in')}'`);
    const chunks: Buffer[] = [];
    let ended!: () => void;
    const end = new Promise<void>((r) => (ended = r));
    const reader = new FdReader(w.master, { data: (c) => chunks.push(c), end: () => ended() });
    reader.pause();
    // cat blocks once the pty is full; let it finish by reading slowly in bursts.
    const exited = w.exited;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      reader.resume();
      await new Promise((r) => setImmediate(r));
      reader.pause();
      await new Promise((r) => setTimeout(r, 2));
    }
    reader.resume();
    await within(end, 10_000, 'reader end');
    assert.equal(Buffer.concat(chunks).toString('latin1'), data.toString('latin1'), `round ${round}`);
  }
});

test('pty: small high-water mark (constant pausing) loses nothing', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logger = new JobLogger({ logDir: d.path, highWater: 1024 });
  t.after(() => logger.close());
  const w = ptyWriter('seq 1 300000');
  const done = logger.attach({ job: 'seq', instance: '' }, w.master);
  await w.exited;
  await within(done, 60_000, 'attach');
  checkFile(join(d.path, 'seq.log'), expectedOf(Buffer.from(Array.from({ length: 300000 }, (_, i) => `${i + 1}\n`).join('')), 'seq 1 300000'));
});

test('pty: buffered before the log directory exists, flushed by diskWritable()', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logDir = join(d.path, 'log');
  const logger = new JobLogger({ logDir, clock: new FakeClock() });
  t.after(() => logger.close());
  const w = ptyWriter('echo boot line 1; echo boot line 2 >&2');
  const done = logger.attach({ job: 'early', instance: '' }, w.master);
  await w.exited;
  await within(done, 20_000, 'attach resolves while buffered');
  assert.deepEqual(logger.stats('early', ''), { bytesWritten: 0, bytesDropped: 0, buffered: 24 });
  mkdirSync(logDir);
  logger.diskWritable();
  await waitFor(() => logger.stats('early', '').buffered === 0, 'flush');
  assert.equal(readFileSync(join(logDir, 'early.log'), 'utf8'), 'boot line 1\nboot line 2\n');
});

/** A control FIFO the writer reads a line from between its outputs (opened O_RDWR here: never blocks). */
function control(dir: string): { path: string; step(): void; close(): void } {
  const path = join(dir, 'ctl');
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, constants.O_RDWR);
  return { path, step: () => void writeSync(fd, 'go\n'), close: () => closeSync(fd) };
}

for (const how of ['rename', 'delete'] as const) {
  test(`pty: rotation by ${how} reopens the log on the next write`, { skip }, async (t) => {
    const d = tempDir();
    t.after(d.cleanup);
    const logDir = join(d.path, 'log');
    mkdirSync(logDir);
    const logger = new JobLogger({ logDir });
    t.after(() => logger.close());
    const ctl = control(d.path);
    t.after(ctl.close);
    const w = ptyWriter(`echo before; read x < '${ctl.path}'; echo after`);
    const done = logger.attach({ job: 'rot', instance: '' }, w.master);
    const p = join(logDir, 'rot.log');
    await waitFor(() => logger.stats('rot', '').bytesWritten === 7, 'first line');
    if (how === 'rename') renameSync(p, `${p}.1`);
    else unlinkSync(p);
    ctl.step();
    await w.exited;
    await within(done, 20_000, 'attach');
    assert.equal(readFileSync(p, 'utf8'), 'after\n');
    if (how === 'rename') assert.equal(readFileSync(`${p}.1`, 'utf8'), 'before\n');
    assert.equal(logger.stats('rot', '').bytesWritten, 13);
  });
}

test('pty: an unwritable log directory never blocks the job; bytes past the bound are counted as dropped', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  // A path under a regular file can never be a directory (ENOTDIR), even for root.
  writeFileSync(join(d.path, 'file'), '');
  const logDir = join(d.path, 'file', 'log');
  const warnings: string[] = [];
  const logger = new JobLogger({ logDir, bufferLimit: 4096, logger: { info: () => {}, warn: (m) => warnings.push(m) } });
  t.after(() => logger.close());
  const w = ptyWriter('head -c 1000000 /dev/zero');
  const done = logger.attach({ job: 'nowhere', instance: '' }, w.master);
  assert.equal(await within(w.exited, 20_000, 'the writer is never blocked'), 0);
  await within(done, 20_000, 'attach');
  assert.deepEqual(logger.stats('nowhere', ''), { bytesWritten: 0, bytesDropped: 1_000_000 - 4096, buffered: 4096 });
  assert.ok(warnings.some((m) => m.includes('ENOTDIR')), warnings.join('\n'));
});

test('pty (native pump): the hung-write check runs only while a pump writes; an idle logger has no timer', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const logDir = join(d.path, 'log');
  mkdirSync(logDir);
  const logger = new JobLogger({ logDir });
  t.after(() => logger.close());
  const pty = native!.openpty({ raw: true });
  // Closed by the test once done; if an assertion stops it first, here (else the pump keeps the file's process alive).
  let slave: number | undefined = pty.slave;
  t.after(() => { if (slave !== undefined) closeSync(slave); });
  const done = logger.attach({ job: 'quiet', instance: '' }, pty.master);
  const timer = (): unknown => (logger as unknown as { stallCheck: unknown }).stallCheck;
  // Counted, not sampled: a check armed and disarmed between two looks is still an arming.
  const spy = logger as unknown as { armStallCheck(): void };
  const arm = spy.armStallCheck.bind(logger);
  let arms = 0;
  spy.armStallCheck = () => { arms++; arm(); };
  const file = join(logDir, 'quiet.log');
  const has = (s: string): boolean => { try { return readFileSync(file, 'utf8').includes(s); } catch { return false; } };
  writeSync(pty.slave, 'first\n');
  await waitFor(() => has('first\n'), 'the first line in the log');
  // Once the file is open the pump writes straight to it: its first write (after none) arms the check.
  // The pump says so through an async handle, so each step lets the event loop poll once: a line already
  // in the file makes waitFor return without a turn of the loop (a fast CI run wrote all 50 that way).
  for (let i = 0; i < 50 && arms === 0; i++) {
    writeSync(pty.slave, `line ${i}\n`);
    await waitFor(() => has(`line ${i}\n`), `line ${i} in the log`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor(() => arms > 0, 'a direct write to arm the hung-write check', 5_000);
  await waitFor(() => timer() === null, 'the check disarmed once nothing is written', 10_000);
  // Disarmed after a whole tick without writes: the next write comes after a quiet spell.
  const before = arms;
  writeSync(pty.slave, 'again\n');
  await waitFor(() => has('again\n'), 'a later line in the log');
  await waitFor(() => arms > before, 'a write after the quiet spell arms it again', 5_000);
  closeSync(pty.slave);
  slave = undefined;
  await within(done, 20_000, 'attach');
});
