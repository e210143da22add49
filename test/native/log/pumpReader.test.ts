// PumpReader with real ptys: direct writes to the log, relaying, a rotated file, a hung write abandoned to the event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor, within, writeToFd } from '../../unit/log/helpers.ts';

type Native = typeof import('../../../src/sys/index.ts');
type PumpModule = typeof import('../../../src/log/pumpReader.ts');
let native: Native | null = null;
let pump: PumpModule | null = null;
let skip: string | false = false;
try {
  native = await import('../../../src/sys/index.ts');
  pump = await import('../../../src/log/pumpReader.ts');
} catch (err) {
  skip = `native addon not loadable (${(err as Error).message}); run npm run build:native`;
}
if (skip) console.log(`# skipping pump tests: ${skip}`);

function ptyWriter(script: string): { master: number; exited: Promise<number | null> } {
  const pty = native!.openpty({ raw: true });
  const w = writeToFd(pty.slave, script);
  closeSync(pty.slave);
  return { master: pty.master, exited: w.exited };
}

/** A PumpReader collecting relayed chunks; `ended` resolves with the end error (if any). */
function reader(master: number): { r: InstanceType<PumpModule['PumpReader']>; relayed: Buffer[]; directEnds: string[]; ended: Promise<unknown> } {
  const relayed: Buffer[] = [];
  const directEnds: string[] = [];
  let done!: (e: unknown) => void;
  const ended = new Promise((res) => (done = res));
  const r = new pump!.PumpReader(master, { data: (c) => relayed.push(c), end: (e) => done(e), directEnded: (c) => directEnds.push(c) });
  return { r, relayed, directEnds, ended };
}

test('relays everything in order when no file is given', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const data = randomBytes(2 * 1024 * 1024);
  writeFileSync(join(d.path, 'in'), data);
  const w = ptyWriter(`exec cat '${join(d.path, 'in')}'`);
  const p = reader(w.master);
  assert.equal(await w.exited, 0);
  assert.equal(await within(p.ended, 30_000, 'end'), undefined);
  assert.ok(Buffer.concat(p.relayed).equals(data));
  assert.ok(p.relayed.length < data.length / 4096, `batches, not 4 KiB reads (${p.relayed.length} chunks)`);
  assert.equal(p.r.directWritten(), 0);
});

test('writes straight to the file once given one; a renamed file hands the rest back', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const log = join(d.path, 'job.log');
  const fd = openSync(log, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o640);
  t.after(() => closeSync(fd));
  // Prints cmd.N as it appears (written by the test), so each step's output comes after the step.
  const w = ptyWriter(`i=0; while [ $i -lt 2 ]; do if [ -e '${d.path}/cmd.'$i ]; then cat '${d.path}/cmd.'$i; i=$((i+1)); else sleep 0.01; fi; done`);
  const p = reader(w.master);
  p.r.setFile(fd, log);
  await waitFor(() => p.r.isDirect, 'direct mode');
  writeFileSync(join(d.path, 'cmd.0'), 'direct line\n');
  await waitFor(() => readFileSync(log, 'utf8') === 'direct line\n', 'the direct write');
  assert.equal(p.r.directWritten(), 12);
  renameSync(log, `${log}.1`);
  writeFileSync(join(d.path, 'cmd.1'), 'after rotation\n');
  await within(p.ended, 20_000, 'end');
  assert.deepEqual(p.directEnds, ['ROTATED']);
  assert.equal(Buffer.concat(p.relayed).toString(), 'after rotation\n');
  assert.equal(readFileSync(`${log}.1`, 'utf8'), 'direct line\n');
});

test('a write that hangs is abandoned: the event loop reads the rest and nothing is lost or reordered', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  // The "log" is a FIFO nobody reads: the thread's write blocks once its 64 KiB buffer is full.
  const fifo = join(d.path, 'hung.log');
  execFileSync('mkfifo', [fifo]);
  const fifoFd = openSync(fifo, constants.O_RDWR);
  t.after(() => closeSync(fifoFd));
  const data = randomBytes(1024 * 1024);
  writeFileSync(join(d.path, 'in'), data);
  const w = ptyWriter(`sleep 0.2; exec cat '${join(d.path, 'in')}'`);
  const p = reader(w.master);
  p.r.setFile(fifoFd, fifo);
  await waitFor(() => p.r.busyMs() > 200, 'the thread to hang in write', 20_000);
  p.r.abandon();
  assert.equal(await w.exited, 0, 'the job was not held back');
  assert.equal(await within(p.ended, 30_000, 'end'), undefined);
  // What the thread wrote (or was writing) is in the FIFO; the rest was relayed after it.
  const drain = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const parts: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  await waitFor(() => {
    for (;;) {
      let n: number;
      try {
        n = readSync(drain, buf, 0, buf.length, null);
      } catch {
        break;
      }
      if (n <= 0) break;
      parts.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(parts).length + Buffer.concat(p.relayed).length >= data.length;
  }, 'every byte to be accounted for');
  closeSync(drain);
  assert.ok(Buffer.concat([...parts, ...p.relayed]).equals(data));
});

/** The threads of this process now. */
const threadCount = (): number => readdirSync('/proc/self/task').length;

test('forty ptys are pumped by one pool thread, not a thread each, and every byte of each reaches its file', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  // Starts the pool (and its watchdog) once, so the count below is only what forty more pumps add.
  const warm = reader(ptyWriter('printf warm').master);
  await within(warm.ended, 20_000, 'the warm-up pump');
  const before = threadCount();
  const n = 40;
  const jobs = Array.from({ length: n }, (_, i) => {
    const log = join(d.path, `job${i}.log`);
    const fd = openSync(log, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o640);
    t.after(() => closeSync(fd));
    const data = randomBytes(64 * 1024 + i);
    writeFileSync(join(d.path, `in${i}`), data);
    // Each waits for its go file, so all forty pumps exist (and wait) at once.
    const w = ptyWriter(`while [ ! -e '${d.path}/go' ]; do sleep 0.01; done; exec cat '${join(d.path, `in${i}`)}'`);
    const p = reader(w.master);
    p.r.setFile(fd, log);
    return { log, data, w, p };
  });
  await waitFor(() => jobs.every((j) => j.p.r.isDirect), 'every pump to write directly');
  const during = threadCount();
  writeFileSync(join(d.path, 'go'), '');
  for (const j of jobs) {
    assert.equal(await j.w.exited, 0);
    assert.equal(await within(j.p.ended, 30_000, 'end'), undefined);
    assert.ok(readFileSync(j.log).equals(j.data), `${j.log}: every byte, in order`);
    assert.equal(j.p.r.directWritten(), j.data.length);
    assert.equal(j.p.relayed.length, 0);
  }
  assert.ok(during - before <= 2, `${n} pumps added ${during - before} threads`);
});

test('a write that hangs holds back only its own pty: the others are served by a new pool thread meanwhile', { skip }, async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const fifo = join(d.path, 'hung.log');
  execFileSync('mkfifo', [fifo]);
  const fifoFd = openSync(fifo, constants.O_RDWR);
  t.after(() => closeSync(fifoFd));
  const hungData = randomBytes(512 * 1024);
  writeFileSync(join(d.path, 'hung.in'), hungData);
  const hung = ptyWriter(`exec cat '${join(d.path, 'hung.in')}'`);
  const hp = reader(hung.master);
  hp.r.setFile(fifoFd, fifo);
  await waitFor(() => hp.r.busyMs() > 100, 'the hung write', 20_000);
  // While that write hangs (not abandoned), another pump writes its job's output straight to its file.
  const log = join(d.path, 'other.log');
  const fd = openSync(log, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o640);
  t.after(() => closeSync(fd));
  const other = ptyWriter(`while [ ! -e '${d.path}/go' ]; do sleep 0.01; done; printf 'served meanwhile\\n'`);
  const op = reader(other.master);
  op.r.setFile(fd, log);
  writeFileSync(join(d.path, 'go'), '');
  assert.equal(await other.exited, 0);
  assert.equal(await within(op.ended, 20_000, 'the other pump to end'), undefined);
  assert.equal(readFileSync(log, 'utf8'), 'served meanwhile\n');
  assert.ok(hp.r.busyMs() > 0, 'the first write still hangs');
  // Draining the FIFO lets the stuck write return: its pump goes back to the pool and finishes without a lost byte.
  const drain = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  t.after(() => closeSync(drain));
  const parts: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  const ended = within(hp.ended, 30_000, 'the hung pump to end');
  let over = false;
  void ended.finally(() => (over = true)).catch(() => undefined);
  await waitFor(() => {
    for (;;) {
      let k: number;
      try {
        k = readSync(drain, buf, 0, buf.length, null);
      } catch {
        break;
      }
      if (k <= 0) break;
      parts.push(Buffer.from(buf.subarray(0, k)));
    }
    return over && Buffer.concat(parts).length >= hungData.length;
  }, 'the hung pump to write the rest and end', 30_000);
  assert.equal(await ended, undefined);
  assert.equal(await hung.exited, 0);
  assert.ok(Buffer.concat(parts).equals(hungData), 'every byte through the FIFO, in order');
  assert.equal(hp.relayed.length, 0);
});
