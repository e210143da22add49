// The jobs' notify socket (src/daemon/jobNotify.ts): where it is bound, whose message a pid's is, READY=1 and STATUS=.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobNotifyResolver, openJobNotifySocket } from '../../../src/daemon/jobNotify.ts';
import type { Engine } from '../../../src/job/engine.ts';
import type { JobCgroups } from '../../../src/daemon/jobCgroups.ts';
import type { ReadinessHub } from '../../../src/daemon/readinessHub.ts';

const noCgroups = { current: undefined } as unknown as JobCgroups;

test('the resolver asks the engine for a pid, and has no cgroup to look in without job cgroups', () => {
  const engine = { jobsUsingPid: (pid: number) => (pid === 42 ? [{ job: 'web', instance: '' }] : []) } as unknown as Engine;
  const r = jobNotifyResolver(() => engine, noCgroups);
  assert.deepEqual(r.byPid(42), { job: 'web', instance: '' });
  assert.equal(r.byPid(43), undefined);
  assert.equal(r.byCgroup?.(process.pid), undefined);
});

test('bound beside the control socket; READY=1 readies the job and emits ready, STATUS= is kept by instance', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'job-notify-'));
  const emitted: Array<[string, string[]]> = [];
  const readied: string[] = [];
  // The sender is this test's python: the engine says the pid is web's.
  const engine = {
    jobsUsingPid: () => [{ job: 'web', instance: 'i1' }],
    emit: (name: string, env: string[]) => { emitted.push([name, env]); return Promise.resolve(); },
  } as unknown as Engine;
  const readiness = { notifyCallbacks: () => ({}), readied: (o: { job: string }) => { readied.push(o.job); } } as unknown as ReadinessHub;
  const notifyStatus = new Map<string, string>();
  const sock = openJobNotifySocket({ controlPath: join(dir, 'control.sock'), engine: () => engine, cgroups: noCgroups, readiness, notifyStatus, log: () => undefined });
  try {
    assert.ok(sock !== undefined);
    assert.ok(existsSync(join(dir, 'control.sock.notify')));
    execFileSync('/usr/bin/python3', ['-c', `import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'STATUS=warming up\\nREADY=1', ${JSON.stringify(join(dir, 'control.sock.notify'))})`]);
    const end = Date.now() + 10_000;
    while (emitted.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(emitted, [['ready', ['JOB=web', 'INSTANCE=i1']]]);
    assert.deepEqual(readied, ['web']);
    assert.deepEqual([...notifyStatus.values()], ['warming up']);
  } finally {
    sock?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
