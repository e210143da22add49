// Privileged: the real daemon as PID 1 of `unshare --pid --fork --mount-proc` starts jobs, reaps orphans, answers initctl, and on SIGTERM stops every job and exits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, children, cmdline, descendants, INITCTL, killIfAlive, procState, run, runsNode, UPSTART, waitUntil } from '../../integration/harness.ts';

const why = process.getuid?.() !== 0 ? 'needs root (unshare --pid)' : spawnSync('unshare', ['--version']).status !== 0 ? 'needs unshare (util-linux)' : '';
if (why) console.log(`# skipping the daemon as PID 1: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'upstart-pid1-'));
const confdir = join(dir, 'conf');
const logdir = join(dir, 'log');
const socket = join(dir, 'control.sock');
let unshare: ChildProcess | undefined;
const seen = new Set<number>();

after(() => {
  if (unshare?.pid !== undefined) for (const p of descendants(unshare.pid)) seen.add(p);
  for (const p of seen) killIfAlive(p);
  if (unshare && unshare.exitCode === null) unshare.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function job(name: string, text: string): void {
  writeFileSync(join(confdir, `${name}.conf`), text);
}

const initctl = (args: string[]) => run(INITCTL, ['--socket', socket, ...args], { UPSTART_SESSION: undefined, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined });

test('the daemon as PID 1 in a PID namespace', { skip: why || false, timeout: 120_000 }, async () => {
  mkdirSync(confdir);
  mkdirSync(logdir);
  job('svc', `start on startup\nexec sleep 6401\npost-stop exec sh -c 'echo "stopped by $EXIT_SIGNAL" > ${dir}/svc.post-stop'\n`);
  // Double-forks 30 children that live 1 s: each is orphaned to PID 1 and must be reaped there.
  job('orphans', [
    'start on started svc',
    'script',
    '  i=0',
    '  while [ $i -lt 30 ]; do ( sh -c "sleep 1" & ); i=$((i + 1)); done',
    `  echo spawned > ${dir}/orphans.done`,
    '  exec sleep 6402',
    'end script',
    '',
  ].join('\n'));
  // A job asks the daemon about another one from inside the namespace.
  job('asker', `start on started orphans\ntask\nexec sh -c '${INITCTL} status svc > ${dir}/asker.out 2>&1'\n`);
  job('stubborn', `start on startup\nkill timeout 1\nscript\n  trap '' TERM\n  exec sleep 6403\nend script\npost-stop exec sh -c 'echo "stopped by $EXIT_SIGNAL" > ${dir}/stubborn.post-stop'\n`);

  let err = '';
  unshare = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, UPSTART, '--system', '--confdir', confdir, '--logdir', logdir, '--socket', socket], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, container: '1', UPSTART_SESSION: undefined },
  });
  unshare.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  unshare.stdout!.resume();
  const exited = new Promise<number | null>((r) => unshare!.once('exit', (code) => r(code)));

  const daemon = await waitUntil('the daemon process under unshare', () => children(unshare!.pid!).find(runsNode));
  await waitUntil('the daemon to listen', () => err.includes(' mode: socket ') || unshare!.exitCode !== null, 30_000);
  assert.equal(unshare.exitCode, null, err);
  // It is PID 1 of its namespace (NSpid: host pid, then 1), and ps calls it init.
  assert.match(readFileSync(`/proc/${daemon}/status`, 'utf8'), /^NSpid:\s+\d+\s+1$/m);
  assert.equal(readFileSync(`/proc/${daemon}/comm`, 'utf8'), 'init\n');
  assert.deepEqual(cmdline(daemon)?.filter((a) => a !== ''), ['init']);

  // Jobs run; initctl answers from the host (pids are the namespace's).
  const svc = await waitUntil('svc to run', async () => {
    const r = await initctl(['status', 'svc']);
    return /^svc start\/running, process \d+\n$/.test(r.stdout) ? r.stdout : '';
  });
  assert.match(svc, /^svc start\/running, process \d+\n$/);
  const list = await initctl(['list']);
  assert.match(list.stdout, /^orphans start\/running, process \d+$/m);
  assert.match(list.stdout, /^stubborn start\/running, process \d+$/m);
  // And from inside it, through UPSTART_SESSION.
  await waitUntil('asker to write', () => {
    try { return readFileSync(join(dir, 'asker.out'), 'utf8').endsWith('\n'); } catch { return false; }
  });
  assert.equal(readFileSync(join(dir, 'asker.out'), 'utf8'), svc);

  // Orphans: every short-lived grandchild was reaped by PID 1; nothing under it is a zombie.
  await waitUntil('the orphans to be spawned', () => {
    try { return readFileSync(join(dir, 'orphans.done'), 'utf8') === 'spawned\n'; } catch { return false; }
  });
  // They are PID 1's children now (their parents, the subshells, are gone).
  await waitUntil('an orphan under PID 1', () => children(daemon).some((p) => ['sh -c sleep 1', 'sleep 1'].includes(cmdline(p)?.join(' ') ?? '')), 10_000);
  const inNs = await waitUntil('the orphans to end and be reaped', () => {
    const all = descendants(daemon);
    const zombies = all.filter((p) => procState(p) === 'Z');
    const shortLived = all.filter((p) => ['sh -c sleep 1', 'sleep 1'].includes(cmdline(p)?.join(' ') ?? ''));
    return zombies.length === 0 && shortLived.length === 0 ? all : undefined;
  });
  for (const p of inNs) seen.add(p);
  const longLived = inNs.map((p) => cmdline(p)?.join(' '));
  for (const want of ['sleep 6401', 'sleep 6402', 'sleep 6403']) assert.ok(longLived.includes(want), `${want} in ${JSON.stringify(longLived)}`);

  // SIGTERM (container=1): every job is stopped by the daemon, which then exits; nothing is left.
  const t0 = Date.now();
  process.kill(daemon, 'SIGTERM');
  const code = await exited;
  assert.equal(code, 0, err);
  assert.ok(Date.now() - t0 < 20_000, `shutdown took ${Date.now() - t0} ms`);
  assert.equal(readFileSync(join(dir, 'svc.post-stop'), 'utf8'), 'stopped by TERM\n');
  assert.equal(readFileSync(join(dir, 'stubborn.post-stop'), 'utf8'), 'stopped by KILL\n');
  await waitUntil('every process of the namespace to be gone', () => [...inNs, daemon].every((p) => !alive(p)), 10_000);
});
