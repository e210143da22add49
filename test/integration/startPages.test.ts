// The daemon's quiet time drops the file pages Node read only to start (src/daemon/quietGc.ts): its RSS is what it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDaemon, waitUntil } from './harness.ts';

const rssFileKiB = (pid: number | 'self'): number => Number(/^RssFile:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

test('after start-up the daemon holds fewer pages of its files than a node that never dropped them, and goes on working', async () => {
  const jobs = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`svc${i}`, 'start on go\nexec sleep 3600\n']));
  const d = await startDaemon(jobs);
  try {
    // This test's own node (with tsx loaded) keeps every page it touched at start; the daemon, once quiet, keeps what it uses.
    const mine = rssFileKiB('self');
    await waitUntil('the daemon to drop its start-up pages', () => rssFileKiB(d.proc.pid!) < mine * 0.7, 20_000, 50);
    // What the drop took runs again from the page cache: events, spawns, ptys, status, the state machine.
    const emit = await d.initctl(['emit', 'go']);
    assert.equal(emit.code, 0, emit.stderr);
    const list = await d.initctl(['list']);
    assert.equal(list.stdout.split('\n').filter((l) => l.includes('start/running')).length, 20, list.stdout);
    assert.equal((await d.initctl(['restart', 'svc3'])).code, 0);
    assert.match((await d.initctl(['status', 'svc3'])).stdout, /^svc3 start\/running, process \d+$/m);
  } finally {
    await d.stop();
  }
});
