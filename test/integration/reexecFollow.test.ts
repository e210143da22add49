// initctl events --follow across a re-exec, C and Node clients: the client reconnects and says so; no entry is lost or shown twice.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { INITCTL, startDaemon, waitUntil, type DaemonHandle } from './harness.ts';

const NODE_CLI = fileURLToPath(new URL('../../src/cli/initctl.ts', import.meta.url));
const daemons: DaemonHandle[] = [];
const followers: ChildProcess[] = [];
after(async () => {
  for (const f of followers) if (f.exitCode === null && f.signalCode === null) f.kill('SIGKILL');
  for (const d of daemons) await d.stop();
});

interface Follower {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
}

function follow(d: DaemonHandle, client: 'C' | 'Node'): Follower {
  const env = { ...process.env, UPSTART_SESSION: `unix:path=${d.socket}`, NO_COLOR: '1' };
  const proc = client === 'C'
    ? spawn(INITCTL, ['events', '--follow'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['--import', 'tsx', NODE_CLI, 'events', '--follow'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  followers.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
  return { proc, out: () => out, err: () => err };
}

const count = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;

test('events --follow (C and Node initctl) reconnects after a re-exec, says so, and shows every entry once', async () => {
  const d = await startDaemon({ svc: 'start on startup\nexec sleep 600\n' });
  daemons.push(d);
  const fs = [follow(d, 'C'), follow(d, 'Node')];
  assert.equal((await d.initctl(['emit', 'before-reexec'])).code, 0);
  for (const f of fs) await waitUntil('the follower to show the first event', () => /event\s+before-reexec/.test(f.out()), 20_000);
  for (let round = 1; round <= 2; round++) {
    assert.equal((await d.initctl(['reexec'])).code, 0);
    await waitUntil('the new image to answer', async () => (await d.initctl(['list'])).code === 0, 10_000, 5);
    for (const f of fs) await waitUntil(`the follower to reconnect (${round})`, () => count(f.err(), /reconnected to init; following on/) >= round, 20_000).catch((e: Error) => { throw new Error(`${e.message}: ${f.err()}`); });
    assert.equal((await d.initctl(['emit', `after-reexec-${round}`])).code, 0);
    for (const f of fs) await waitUntil('the follower to show the event after the re-exec', () => new RegExp(`event\\s+after-reexec-${round}`).test(f.out()), 20_000);
  }
  for (const f of fs) {
    assert.match(f.err(), /init closed the connection \(re-executing\?\); reconnecting/);
    assert.doesNotMatch(f.err(), /entries may repeat/);
    assert.equal(count(f.out(), /event\s+before-reexec/), 1, f.out());
    assert.equal(count(f.out(), /event\s+after-reexec-1/), 1, f.out());
    // No line shown twice (each carries its time to the millisecond).
    const lines = f.out().split('\n').filter((l) => l !== '');
    assert.equal(new Set(lines).size, lines.length, `a line repeated:\n${f.out()}`);
    assert.equal(f.proc.exitCode, null, 'still following');
    f.proc.kill('SIGTERM');
  }
});
