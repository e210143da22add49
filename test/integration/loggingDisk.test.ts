// The log directory through the real daemon: not writable yet then flushed on notify, dropped bytes, rotation, the journal.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitUntil, type DaemonHandle } from './harness.ts';

const MiB = 1024 * 1024;
const daemons: DaemonHandle[] = [];
const cleanups: Array<() => void> = [];
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  for (const c of cleanups.reverse()) c();
});

interface Output {
  bytesWritten: number;
  bytesDropped: number;
  buffered: number;
}

async function outputOf(d: DaemonHandle, job: string): Promise<Output | undefined> {
  const r = await d.initctl(['status', '--json', job]);
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as Array<{ output?: Output }>)[0]?.output;
}

async function loaded(d: DaemonHandle, names: string[]): Promise<void> {
  await waitUntil('jobs to load', async () => {
    const r = await d.initctl(['list']);
    return names.every((n) => r.stdout.includes(`${n} `));
  });
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The command line of a process (NUL-separated), '' once it is gone. */
function cmdline(pid: number): string {
  return read(`/proc/${pid}/cmdline`);
}

async function mainPid(d: DaemonHandle, job: string): Promise<number> {
  const line = await waitUntil(`${job} to run`, async () => {
    const r = await d.initctl(['status', job]);
    return /process (\d+)/.exec(r.stdout)?.[1] ?? '';
  });
  return Number(line);
}

// Upstart's early-boot case. The log dir is a path under a regular file (ENOTDIR) so the test
// needs no privileges; the root-only test below does the same with a read-only bind mount.
const EARLY = 'script\n  echo early one\n  echo early two >&2\n  exec sleep 600\nend script\n';
// 3 MiB, then a last line: only the newest 1 MiB can be kept while the disk is away.
const FLOOD = 'script\n  head -c 3145728 /dev/zero | tr "\\\\000" x\n  echo\n  echo FLOOD END\n  exec sleep 600\nend script\n';
const FLOOD_BYTES = 3 * MiB + 1 + 'FLOOD END\n'.length;

test('before the log dir is writable output waits in memory (bounded, nothing blocks), then lands on notify-disk-writeable', async () => {
  const holder = join(execFileSync('mktemp', ['-d']).toString().trim());
  cleanups.push(() => rmSync(holder, { recursive: true, force: true }));
  writeFileSync(join(holder, 'var'), 'a file where the log dir should be\n');
  const logdir = join(holder, 'var', 'log');
  const d = await startDaemon({ early: EARLY, flood: FLOOD }, { args: ['--logdir', logdir] });
  daemons.push(d);
  await loaded(d, ['early', 'flood']);
  for (const job of ['early', 'flood']) assert.equal((await d.initctl(['start', job])).code, 0);

  // The flooding job is not held up: it gets past its 3 MiB to `exec sleep` while nothing can be written.
  const pid = await mainPid(d, 'flood');
  await waitUntil('flood to reach sleep', () => cmdline(pid).startsWith('sleep'));
  const held = await waitUntil('flood output to be counted', async () => {
    const o = await outputOf(d, 'flood');
    return o && o.bytesDropped + o.buffered === FLOOD_BYTES ? o : undefined;
  });
  assert.deepEqual(held, { bytesWritten: 0, bytesDropped: FLOOD_BYTES - MiB, buffered: MiB });
  await waitUntil('early output to be held', async () => (await outputOf(d, 'early'))?.buffered === 'early one\nearly two\n'.length);
  assert.match(d.stderr(), /cannot write \(ENOTDIR\)/);
  assert.match(d.stderr(), /flood\.log: output buffer full/);

  // The disk becomes writable; notify-disk-writeable flushes every job's output in order.
  unlinkSync(join(holder, 'var'));
  mkdirSync(logdir, { recursive: true });
  assert.equal((await d.initctl(['notify-disk-writeable'])).code, 0);
  await waitUntil('early.log', () => read(join(logdir, 'early.log')) === 'early one\nearly two\n');
  const flood = await waitUntil('flood.log to be complete', () => {
    const text = read(join(logdir, 'flood.log'));
    return text.endsWith('FLOOD END\n') ? text : '';
  });
  const marker = `[upstart-ts: ${FLOOD_BYTES - MiB} bytes of output dropped here: the log could not be written and the ${MiB}-byte buffer was full]\n`;
  assert.ok(flood.startsWith(marker), flood.slice(0, 200));
  assert.equal(flood.length, marker.length + MiB);
  assert.equal(flood.slice(marker.length), `${'x'.repeat(MiB - 11)}\nFLOOD END\n`);
  assert.deepEqual(await outputOf(d, 'flood'), { bytesWritten: MiB, bytesDropped: FLOOD_BYTES - MiB, buffered: 0 });
  // The journal waited too: it starts with the startup event.
  const journal = await waitUntil('the journal file', () => read(join(logdir, 'upstart-events.jsonl')));
  assert.equal((JSON.parse(journal.split('\n')[0]!) as { kind: string; name: string }).name, 'startup');
  for (const job of ['early', 'flood']) await d.initctl(['stop', job]);
});

test('root: a read-only log dir (bind mount) is written after remount read-write and notify', { skip: process.getuid?.() === 0 ? false : 'needs root (bind mounts)' }, async (t) => {
  const holder = execFileSync('mktemp', ['-d']).toString().trim();
  const logdir = join(holder, 'log');
  mkdirSync(logdir);
  try {
    execFileSync('mount', ['--bind', logdir, logdir], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'remount,bind,ro', logdir], { stdio: 'pipe' });
  } catch {
    rmSync(holder, { recursive: true, force: true });
    return t.skip('mount not permitted here');
  }
  cleanups.push(() => {
    try {
      execFileSync('umount', [logdir], { stdio: 'pipe' });
    } finally {
      rmSync(holder, { recursive: true, force: true });
    }
  });
  const d = await startDaemon({ early: EARLY }, { args: ['--logdir', logdir] });
  daemons.push(d);
  await loaded(d, ['early']);
  assert.equal((await d.initctl(['start', 'early'])).code, 0);
  await waitUntil('early output to be held', async () => (await outputOf(d, 'early'))?.buffered === 'early one\nearly two\n'.length);
  assert.match(d.stderr(), /cannot write \(EROFS\)/);
  execFileSync('mount', ['-o', 'remount,bind,rw', logdir], { stdio: 'pipe' });
  assert.equal((await d.initctl(['notify-disk-writeable'])).code, 0);
  await waitUntil('early.log', () => read(join(logdir, 'early.log')) === 'early one\nearly two\n');
  assert.deepEqual(await outputOf(d, 'early'), { bytesWritten: 20, bytesDropped: 0, buffered: 0 });
  await d.initctl(['stop', 'early']);
  await d.stop();
});

test('rotation: a renamed, then a deleted log file is reopened on the next write', async () => {
  const d = await startDaemon({});
  daemons.push(d);
  // Prints cmd.N (written by the test) as it appears: output on demand, from one long-lived process.
  d.writeJob('talker', `script\n  i=0\n  while :; do\n    if [ -e '${d.dir}/cmd.'$i ]; then cat '${d.dir}/cmd.'$i; i=$((i+1)); else sleep 0.02; fi\n  done\nend script\n`);
  await loaded(d, ['talker']);
  assert.equal((await d.initctl(['start', 'talker'])).code, 0);
  const log = join(d.logdir, 'talker.log');
  const say = (n: number, text: string): void => writeFileSync(join(d.dir, `cmd.${n}`), text);
  say(0, 'one\n');
  await waitUntil('one', () => read(log) === 'one\n');
  renameSync(log, `${log}.1`);
  say(1, 'two\n');
  await waitUntil('a new talker.log with two', () => read(log) === 'two\n');
  assert.equal(read(`${log}.1`), 'one\n');
  unlinkSync(log);
  say(2, 'three\n');
  await waitUntil('a new talker.log with three', () => read(log) === 'three\n');
  assert.equal(existsSync(`${log}.1`), true);
  assert.deepEqual(await outputOf(d, 'talker'), { bytesWritten: 14, bytesDropped: 0, buffered: 0 });
  await d.initctl(['stop', 'talker']);
});

test('the event journal: LOGDIR/upstart-events.jsonl and initctl events [--json]', async () => {
  const d = await startDaemon({ hello: 'task\nexec echo hello\n' });
  daemons.push(d);
  await loaded(d, ['hello']);
  const r = await d.initctl(['start', 'hello']);
  assert.equal(r.code, 0, r.stderr);
  type Entry = { kind: string; name?: string; job?: string; process?: string; pid?: number; status?: number; state?: string; t: number };
  const json = await d.initctl(['events', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const entries = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Entry);
  assert.equal(entries[0]?.kind, 'event');
  assert.equal(entries[0]?.name, 'startup');
  const spawn = entries.find((e) => e.kind === 'spawn' && e.job === 'hello');
  const exit = entries.find((e) => e.kind === 'exit' && e.job === 'hello');
  assert.ok(spawn && exit, json.stdout);
  assert.equal(exit.pid, spawn.pid);
  assert.equal(exit.status, 0);
  assert.ok(entries.some((e) => e.kind === 'state' && e.job === 'hello' && e.state === 'running'));
  for (let i = 1; i < entries.length; i++) assert.ok(entries[i]!.t >= entries[i - 1]!.t, 'monotonic timestamps');
  // The same entries, one JSON object per line, in the file.
  const file = join(d.logdir, 'upstart-events.jsonl');
  await waitUntil('the journal file to hold the exit', () => read(file).includes('"kind":"exit"'));
  const fromFile = read(file).trimEnd().split('\n').map((l) => JSON.parse(l) as Entry);
  assert.deepEqual(fromFile.slice(0, entries.length), entries);
  const text = await d.initctl(['events']);
  assert.match(text.stdout, /^\d+\.\d{3} event startup$/m);
  assert.match(text.stdout, new RegExp(`^\\d+\\.\\d{3} spawn hello main process ${spawn.pid}$`, 'm'));
  assert.match(text.stdout, new RegExp(`^\\d+\\.\\d{3} exit hello main process ${spawn.pid} status 0$`, 'm'));
  assert.equal(read(join(d.logdir, 'hello.log')), 'hello\n');
});
