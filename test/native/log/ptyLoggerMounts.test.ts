// Root-only: a read-only log filesystem remounted read-write (the boot case) and a full disk, with real ptys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { JobLogger } from '../../../src/log/jobLogger.ts';
import { tempDir, waitFor, within, writeToFd } from '../../unit/log/helpers.ts';

type Native = typeof import('../../../src/sys/index.ts');
let native: Native | null = null;
let skip: string | false = false;
if (process.getuid?.() !== 0) skip = 'needs root (mounts a tmpfs)';
else {
  try {
    native = await import('../../../src/sys/index.ts');
  } catch (err) {
    skip = `native addon not loadable (${(err as Error).message})`;
  }
}
if (skip) console.log(`# skipping mount tests: ${skip}`);

/** Mounts a tmpfs on a fresh dir; false where mounting is not allowed (the test then skips). */
function mountTmpfs(dir: string, opts: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Closes the logger (stopping its retry timer), unmounts, removes the temp dir: in that order, each attempted. */
async function teardown(logger: JobLogger, mountPoint: string, cleanup: () => void): Promise<void> {
  await logger.close();
  try {
    execFileSync('umount', [mountPoint], { stdio: 'pipe' });
  } finally {
    cleanup();
  }
}

function ptyWriter(script: string): { master: number; exited: Promise<number | null> } {
  const pty = native!.openpty({ raw: true });
  const w = writeToFd(pty.slave, script);
  closeSync(pty.slave);
  return { master: pty.master, exited: w.exited };
}

test('a read-only log filesystem: output waits in memory, then lands in order after remount and notify', { skip }, async (t) => {
  const d = tempDir();
  const logDir = join(d.path, 'log');
  if (!mountTmpfs(logDir, 'ro,size=1m')) {
    d.cleanup();
    return t.skip('mount not permitted here');
  }
  const logger = new JobLogger({ logDir, retryMs: 3_600_000 });
  t.after(() => teardown(logger, logDir, d.cleanup));
  const w = ptyWriter('echo mounting; echo still read-only >&2');
  const done = logger.attach({ job: 'mountall', instance: '' }, w.master);
  assert.equal(await w.exited, 0);
  await within(done, 20_000, 'attach');
  assert.deepEqual(logger.stats('mountall', ''), { bytesWritten: 0, bytesDropped: 0, buffered: 25 });
  execFileSync('mount', ['-o', 'remount,rw', logDir]);
  logger.diskWritable();
  await waitFor(() => logger.stats('mountall', '').buffered === 0, 'flush after notify');
  assert.equal(readFileSync(join(logDir, 'mountall.log'), 'utf8'), 'mounting\nstill read-only\n');
});

test('a full disk never blocks the job; what does not fit is counted; freeing space lets the log go on', { skip }, async (t) => {
  const d = tempDir();
  const logDir = join(d.path, 'log');
  if (!mountTmpfs(logDir, 'size=64k')) {
    d.cleanup();
    return t.skip('mount not permitted here');
  }
  const warnings: string[] = [];
  const logger = new JobLogger({ logDir, bufferLimit: 8192, retryMs: 3_600_000, logger: { info: () => {}, warn: (m) => warnings.push(m) } });
  t.after(() => teardown(logger, logDir, d.cleanup));
  const total = 1_000_000;
  const w = ptyWriter(`head -c ${total} /dev/zero | tr '\\0' y`);
  const done = logger.attach({ job: 'filler', instance: '' }, w.master);
  assert.equal(await within(w.exited, 30_000, 'the writer is never blocked'), 0);
  await within(done, 30_000, 'attach');
  const s = logger.stats('filler', '');
  assert.equal(s.bytesWritten + s.bytesDropped + s.buffered, total, JSON.stringify(s));
  assert.ok(s.bytesWritten > 0 && s.bytesWritten <= 64 * 1024, JSON.stringify(s));
  assert.equal(s.buffered, 8192);
  assert.ok(warnings.some((m) => m.includes('ENOSPC')), warnings.join('\n'));
  // logrotate without copytruncate deletes the full file; the kept tail follows a marker in a new one.
  unlinkSync(join(logDir, 'filler.log'));
  logger.diskWritable();
  await waitFor(() => logger.stats('filler', '').buffered === 0, 'flush after space freed');
  const text = readFileSync(join(logDir, 'filler.log'), 'utf8');
  const [marker, rest] = [text.slice(0, text.indexOf('\n')), text.slice(text.indexOf('\n') + 1)];
  assert.match(marker, new RegExp(`^\\[upstart-ts: ${s.bytesDropped} bytes of output dropped here`));
  assert.equal(rest, 'y'.repeat(8192));
});
