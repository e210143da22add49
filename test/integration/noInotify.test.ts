// upstart --no-inotify (init(8)): the job files are not watched; a change applies on reload-configuration or SIGHUP only.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { startDaemon, waitUntil, type DaemonHandle } from './harness.ts';

/** How many inotify instances a process holds (libuv makes one for the first fs.watch). */
function inotifyFds(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify') n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

let d: DaemonHandle;
let watched: DaemonHandle;

before(async () => {
  [d, watched] = await Promise.all([
    startDaemon({ first: 'exec sleep 6301\n' }, { args: ['--no-inotify'] }),
    startDaemon({ first: 'exec sleep 6302\n' }),
  ]);
});

after(async () => {
  await Promise.all([d?.stop(), watched?.stop()]);
});

test('with --no-inotify the daemon holds no inotify instance; without it, it does', async () => {
  assert.equal(inotifyFds(d.proc.pid!), 0);
  await waitUntil('the watching daemon to watch', () => inotifyFds(watched.proc.pid!) > 0);
});

test('a new job file is seen only after reload-configuration, an edit only after SIGHUP', async () => {
  d.writeJob('second', 'exec sleep 6303\n');
  // The same file in the watching daemon shows up by itself: by then, an unwatched daemon has had the same chance.
  watched.writeJob('second', 'exec sleep 6303\n');
  await waitUntil('the watching daemon to load second', async () => (await watched.initctl(['list'])).stdout.includes('second stop/waiting'));
  assert.equal((await d.initctl(['list'])).stdout, 'first stop/waiting\n');
  assert.equal((await d.initctl(['reload-configuration'])).code, 0);
  assert.equal((await d.initctl(['list'])).stdout, 'first stop/waiting\nsecond stop/waiting\n');

  d.writeJob('second', 'exec sleep 6304\naction ping exec true\n');
  assert.equal((await d.initctl(['show-config', 'second'])).stdout, 'second\n');
  d.proc.kill('SIGHUP');
  await waitUntil('SIGHUP to reload', async () => (await d.initctl(['show-config', 'second'])).stdout === 'second\n  action ping\n');
  assert.equal(inotifyFds(d.proc.pid!), 0);
});
