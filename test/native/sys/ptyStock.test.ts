// openpty({raw}) from the stock a thread keeps ready (native/src/pty_stock.c): distinct working pairs, all close-on-exec, none inherited.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync, readSync, writeSync } from 'node:fs';
import * as native from '../../../src/sys/index.ts';
import { run, SH_ENV, stopReaping } from '../process/helpers/reap.ts';

after(() => stopReaping());

/** The fds of this process open on /dev/ptmx, with their open flags (octal, proc(5) fdinfo). */
function ptmxFds(): Array<{ fd: number; flags: number }> {
  const out = [];
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) !== '/dev/ptmx') continue;
      const flags = /^flags:\s+([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${name}`, 'utf8'))![1]!;
      out.push({ fd: Number(name), flags: parseInt(flags, 8) });
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;

test('40 raw pairs in a row (more than the stock holds): each distinct, connected, raw, the master non-blocking, both close-on-exec', () => {
  const pairs = Array.from({ length: 40 }, () => native.openpty({ raw: true }));
  try {
    assert.equal(new Set(pairs.map((p) => p.path)).size, 40);
    assert.equal(new Set(pairs.flatMap((p) => [p.master, p.slave])).size, 80);
    for (const p of pairs) {
      assert.match(p.path, /^\/dev\/pts\/\d+$/);
      assert.equal(native.getCloexec(p.master), true);
      assert.equal(native.getCloexec(p.slave), true);
      assert.equal(native.isatty(p.slave), true);
      // Raw: what the master writes reaches the slave as it was (no line editing) and, once it has, no echo came back.
      writeSync(p.master, 'ab\x7f\n');
      const buf = Buffer.alloc(16);
      assert.equal(buf.toString('latin1', 0, readSync(p.slave, buf)), 'ab\x7f\n');
      assert.throws(() => readSync(p.master, Buffer.alloc(16)), (e: NodeJS.ErrnoException) => e.code === 'EAGAIN');
      writeSync(p.slave, 'out');
      assert.equal(buf.toString('latin1', 0, readSync(p.master, buf)), 'out');
    }
  } finally {
    for (const p of pairs) { native.closeFd(p.master); native.closeFd(p.slave); }
  }
});

test('the stock fills itself after a take; every pair it holds is close-on-exec, and a child keeps none of them', async () => {
  const p = native.openpty({ raw: true });
  native.closeFd(p.master);
  native.closeFd(p.slave);
  await until('the stock holds pairs again', () => ptmxFds().length >= 8);
  for (const { flags } of ptmxFds()) {
    assert.ok(flags & O_CLOEXEC, 'close-on-exec');
    assert.ok(flags & O_NONBLOCK, 'non-blocking');
  }
  const { out } = await run({ argv: ['/bin/sh', '-c', 'ls -l /proc/$$/fd'], env: SH_ENV });
  assert.doesNotMatch(out, /ptmx|\/dev\/pts\//);
});

test('a pty that is not raw is opened as asked, with echo on', () => {
  const p = native.openpty();
  try {
    // Canonical mode: the slave reads a whole line; by then the echo is on the master's side.
    writeSync(p.master, 'e\n');
    const buf = Buffer.alloc(8);
    assert.equal(buf.toString('latin1', 0, readSync(p.slave, buf)), 'e\n');
    assert.equal(buf.toString('latin1', 0, readSync(p.master, buf)), 'e\r\n');
  } finally {
    native.closeFd(p.master);
    native.closeFd(p.slave);
  }
});
