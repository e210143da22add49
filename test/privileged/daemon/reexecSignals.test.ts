// Privileged: a machine's PID 1 (own user, PID and mount namespaces) sent ten SIGTERMs at once re-executes one at a time: same pid, same job pids, no gap in a log.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, descendants, INITCTL, killIfAlive, parentPid, run, UPSTART, waitUntil } from '../../integration/harness.ts';

const UNSHARE = ['--user', '--map-root-user', '--pid', '--fork', '--mount', '--mount-proc'];
const why = process.getuid?.() !== 0
  ? 'needs root (unshare --pid)'
  : spawnSync('unshare', [...UNSHARE, '/bin/true']).status !== 0 ? 'needs unshare with user namespaces (util-linux)' : '';
if (why) console.log(`# skipping SIGTERM storms to PID 1: ${why}`);

const dirs: string[] = [];
const started: ChildProcess[] = [];
after(() => {
  for (const u of started) {
    if (u.pid !== undefined) for (const p of descendants(u.pid)) killIfAlive(p);
    if (u.exitCode === null && u.signalCode === null) u.kill('SIGKILL');
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const COUNTER = 'start on startup\nscript\n  i=0\n  while true; do echo "$i"; i=$((i+1)); sleep 0.01; done\nend script\n';

test('ten SIGTERMs at once to a machine\'s PID 1: re-executed, one at a time, the same pid and job pids, the counter log whole', { skip: why || false, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-reexec-sig-'));
  dirs.push(dir);
  const confdir = join(dir, 'conf');
  const logdir = join(dir, 'log');
  mkdirSync(confdir);
  mkdirSync(logdir);
  writeFileSync(join(confdir, 'svc.conf'), 'start on startup\nexec sleep 7201\n');
  writeFileSync(join(confdir, 'counter.conf'), COUNTER);
  const socket = join(dir, 'control.sock');
  const u = spawn('unshare', [...UNSHARE, process.execPath, UPSTART, '--system', '--no-container', '--confdir', confdir, '--logdir', logdir,
    '--socket', socket, '--utmp', join(dir, 'utmp'), '--wtmp', join(dir, 'wtmp')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, container: undefined, UPSTART_SESSION: undefined },
  });
  started.push(u);
  let err = '';
  u.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  u.stdout!.resume();
  await waitUntil('the daemon to listen', () => err.includes(' mode: socket ') || u.exitCode !== null, 30_000);
  assert.equal(u.exitCode, null, err);
  const env = { UPSTART_SESSION: `unix:path=${socket}`, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined };
  const status = async (job: string): Promise<string> => (await run(INITCTL, ['status', job], env)).stdout.trim();
  await waitUntil('svc and counter to run', async () => /running/.test(await status('svc')) && /running/.test(await status('counter')), 30_000);
  const svc = await status('svc');
  // PID 1 of the namespace, as this namespace sees it: unshare's child (its title is `init`).
  const init = descendants(u.pid!).find((p) => parentPid(p) === u.pid);
  assert.ok(init !== undefined, 'the daemon process');
  const nspid = (): string | undefined => /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${init}/status`, 'utf8'))?.[1];
  assert.match(nspid() ?? '', /\s1$/, 'PID 1 of its namespace');
  for (let i = 0; i < 10; i++) process.kill(init, 'SIGTERM');
  await waitUntil('a re-exec', () => /re-executed: carried on/.test(err), 30_000);
  await waitUntil('the new image to answer', async () => (await run(INITCTL, ['list'], env)).code === 0, 30_000);
  // SIGTERMs that reach the new image before its handlers are there are ignored (PID 1): none kills it.
  await new Promise((r) => setTimeout(r, 1500));
  const n = (err.match(/re-executed: carried on/g) ?? []).length;
  assert.ok(n >= 1 && n <= 10, `${n} re-execs`);
  assert.equal(u.exitCode, null, 'init is still there');
  assert.ok(alive(init) && /\s1$/.test(nspid() ?? ''), 'the same pid, still PID 1 of its namespace');
  assert.equal(await status('svc'), svc);
  assert.doesNotMatch(err, /re-exec failed|internal error/);
  const lines = readFileSync(join(logdir, 'counter.log'), 'utf8').split('\n').filter((l) => l !== '').map(Number);
  assert.ok(lines.length > 10, `${lines.length} lines`);
  lines.forEach((v, i) => assert.equal(v, i, `counter.log line ${i + 1}`));
});
