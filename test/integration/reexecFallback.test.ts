// A state the new image cannot use (format 999, truncated), and a daemon killed with SIGKILL: jobs are re-adopted from their cgroups, never started twice.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { sessionCgroupBase } from '../../src/daemon/jobCgroups.ts';
import { findOwnCgroup } from '../../src/process/cgroupTree.ts';
import { alive, jobStatus, killIfAlive, run, startDaemon, UPSTART, INITCTL, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';
import { cgroupsUsable } from './cgroupHelpers.ts';

const why = cgroupsUsable();
if (why) console.log(`# skipping re-adoption from cgroups: ${why}`);
const skip = why || false;

const JOBS = {
  // console none: nothing of the job hangs on the daemon's fds, so it survives the daemon's death too.
  quiet: 'start on startup\nconsole none\nexec sleep 5557\n',
  // The default console log: survives a re-exec (its pty master is inherited), not a SIGKILL.
  chatty: 'start on startup\nexec sleep 5558\n',
  inst: 'instance $N\nconsole none\nexec sleep 5559\n',
};

const daemons: DaemonHandle[] = [];
const strays: number[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
  for (const p of strays) killIfAlive(p);
});

async function statePids(d: DaemonHandle): Promise<Record<string, number | undefined>> {
  return {
    quiet: (await jobStatus(d, 'quiet')).pid,
    chatty: (await jobStatus(d, 'chatty')).pid,
    inst: (await jobStatus(d, 'inst')).pid,
  };
}

for (const [label, text] of [['format 999', (s: string) => JSON.stringify({ ...JSON.parse(s), format: 999 })], ['truncated', (s: string) => s.slice(0, Math.floor(s.length / 2))]] as const) {
  test(`--with-state with a state it cannot use (${label}): a warning, the state kept in the log dir, every job still running and known with its pids`, { skip }, async () => {
    const d = await startDaemon(JOBS);
    daemons.push(d);
    await waitForStatus(d, 'quiet', 'start/running');
    await waitForStatus(d, 'chatty', 'start/running');
    assert.equal((await d.initctl(['start', 'inst', 'N=a/b'])).code, 0);
    const before = await statePids(d);
    // A real state to spoil: a format 1 document as this image writes it (from the fixture).
    const good = readFileSync(new URL('../fixtures/state/format-1.json', import.meta.url), 'utf8');
    const file = join(d.dir, 'bad-state.json');
    writeFileSync(file, text(good));
    const r = await d.initctl(['reexec', `--with-state=${file}`]);
    assert.equal(r.code, 0, r.stderr);
    await waitUntil('the warning', () => /the state cannot be used/.test(d.stderr()), 10_000);
    assert.match(d.stderr(), label === 'format 999' ? /newer: state format 999/ : /corrupt: not a state document/);
    await waitUntil('the new image to answer', async () => { const l = await d.initctl(['list']); return l.code === 0 || l.stderr; }, 10_000).catch((e: Error) => { throw new Error(`${e.message}\n${d.stderr()}`); });
    const kept = readdirSync(d.logdir).filter((n) => /^upstart-state-.*\.json$/.test(n));
    assert.equal(kept.length, 1, readdirSync(d.logdir).join(' '));
    assert.equal(readFileSync(join(d.logdir, kept[0]!), 'utf8'), text(good));
    assert.deepEqual(await statePids(d), before, 're-adopted with the same pids');
    assert.equal((await d.initctl(['status', 'inst', 'N=a/b'])).stdout.trim(), `inst (a/b) start/running, process ${before.inst}`);
    // Known, not just listed: a stop reaches the process, and reaping goes on (it is still our child).
    assert.equal((await d.initctl(['stop', 'quiet'])).code, 0, 'stop');
    assert.equal(alive(before.quiet!), false);
  });
}

test('a daemon killed with SIGKILL and started again re-adopts its running jobs (none started twice) and removes the dead one\'s empty cgroups', { skip }, async () => {
  const d = await startDaemon(JOBS);
  daemons.push(d);
  await waitForStatus(d, 'quiet', 'start/running');
  assert.equal((await d.initctl(['start', 'inst', 'N=x'])).code, 0);
  const quiet = (await jobStatus(d, 'quiet')).pid!;
  const inst = (await jobStatus(d, 'inst')).pid!;
  strays.push(quiet, inst);
  const own = findOwnCgroup()!;
  const base = join(own.mount, own.path, sessionCgroupBase(d.socket));
  // An empty cgroup the dead daemon leaves behind.
  mkdirSync(join(base, 'gone@1'));
  d.proc.kill('SIGKILL');
  await waitUntil('the daemon to die', () => d.proc.exitCode !== null || d.proc.signalCode !== null);
  assert.ok(alive(quiet) && alive(inst), 'console none jobs outlive the daemon');

  const again = spawn(process.execPath, [UPSTART, '--user', '--confdir', d.confdir, '--logdir', d.logdir, '--socket', d.socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  again.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
  try {
    await waitUntil('the second daemon to listen', () => err.includes(' mode: socket '), 20_000);
    const env = { UPSTART_SESSION: `unix:path=${d.socket}` };
    const status = async (job: string, ...a: string[]): Promise<string> => (await run(INITCTL, ['status', job, ...a], env)).stdout.trim();
    assert.equal(await status('quiet'), `quiet start/running, process ${quiet}`);
    assert.equal(await status('inst', 'N=x'), `inst (x) start/running, process ${inst}`);
    assert.match(err, /re-adopted 2 running job instance\(s\) from their cgroups/);
    const sleeps = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
      try { return readFileSync(`/proc/${n}/cmdline`, 'latin1') === 'sleep\x005557\x00'; } catch { return false; }
    });
    assert.deepEqual(sleeps.map(Number), [quiet], 'one copy of quiet');
    assert.equal(existsSync(join(base, 'gone@1')), false, 'the empty cgroup is removed');
    // The adopted process is not our child: its end is still seen.
    process.kill(quiet, 'SIGKILL');
    await waitUntil('quiet to be seen gone', async () => (await status('quiet')) === 'quiet stop/waiting', 10_000);
    assert.equal((await run(INITCTL, ['stop', 'inst', 'N=x'], env)).code, 0);
    assert.equal(alive(inst), false);
  } finally {
    again.kill('SIGTERM');
    await new Promise((r) => again.once('exit', r));
  }
});
