// A job cgroup the child cannot join costs the tracking, never the process: for a spawn that fails to open it (before the clone) and one whose join fails in the child (spawnStart's note).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupTree } from '../../../src/process/cgroupTree.ts';
import { NativeProcessPort } from '../../../src/process/nativePort.ts';
import type { ExitInfo, SpawnFailure, SpawnRequest } from '../../../src/process/port.ts';
import { FakeCgroupFs } from '../../unit/process/fakeCgroupFs.ts';
import { SH_ENV } from './helpers/reap.ts';

const mount = mkdtempSync(join(tmpdir(), 'upstart-cgfallback-'));
const OWN = { mount, path: '/own' };
const BASE = join(mount, 'own', 'upstart');
// The tree's bookkeeping is in memory; the directories the child opens are real (or missing) on disk.
const fs = new FakeCgroupFs(join(mount, 'own'));
const tree = CgroupTree.create('upstart', () => {}, OWN, fs.sys(process.pid));
assert.ok(tree instanceof CgroupTree);
const logs: string[] = [];
const exits: ExitInfo[] = [];
const execed: Array<{ id: number; pid: number; failure?: SpawnFailure }> = [];
let wake: () => void = () => {};
const port = new NativeProcessPort({ sink: { attach: () => Promise.resolve() }, logger: (level, msg) => logs.push(`${level}: ${msg}`), cgroups: () => tree });
port.setEvents({
  exited: (info) => { exits.push(info); wake(); },
  execed: (id, pid, failure) => { execed.push(failure === undefined ? { id, pid } : { id, pid, failure }); wake(); },
  ready: () => {},
  adopted: () => false,
});
after(() => { port.close(); rmSync(mount, { recursive: true, force: true }); });

/** The exit of the process a spawn's (provisional) id turned out to be, once execed said its pid. */
async function exitOf(id: number, ms = 10000): Promise<ExitInfo> {
  const deadline = Date.now() + ms;
  for (;;) {
    const pid = execed.find((x) => x.id === id)?.pid;
    const e = exits.find((x) => x.pid === pid);
    if (e) return e;
    if (Date.now() > deadline) throw new Error(`no exit of ${pid}`);
    await new Promise<void>((r) => { wake = r; setTimeout(r, 50); });
  }
}

function req(job: string): SpawnRequest {
  return { job, instance: '', process: 'main', argv: ['true'], env: SH_ENV, console: 'none', limits: {}, cgroups: [], expect: { kind: 'none' }, execLater: true };
}

test('cgroup.procs cannot be opened: warned, the process runs without the cgroup', async () => {
  const r = port.spawn(req('nodir'));
  assert.ok(r.ok && r.pending, JSON.stringify(r));
  const e = await exitOf(r.pid);
  assert.deepEqual(e, { pid: e.pid, kind: 'exited', status: 0 });
  assert.ok(e.pid > 0);
  assert.deepEqual(execed.find((x) => x.id === r.pid), { id: r.pid, pid: e.pid });
  assert.ok(logs.some((l) => l.startsWith('warn: nodir: cannot join its cgroup (unable to join cgroup') && l.endsWith('running it without one')), logs.join('\n'));
});

test('the join fails in the child: the same warning, the process runs', async () => {
  mkdirSync(join(BASE, 'full'), { recursive: true });
  symlinkSync('/dev/full', join(BASE, 'full', 'cgroup.procs'));
  const r = port.spawn(req('full'));
  assert.ok(r.ok && r.pending, JSON.stringify(r));
  const e = await exitOf(r.pid);
  assert.deepEqual(e, { pid: e.pid, kind: 'exited', status: 0 });
  assert.ok(e.pid > 0);
  assert.deepEqual(execed.find((x) => x.id === r.pid), { id: r.pid, pid: e.pid });
  assert.ok(logs.some((l) => l.startsWith('warn: full: cannot join its cgroup (unable to join cgroup') && l.includes('ENOSPC')), logs.join('\n'));
});

test('a job with cgroup stanzas does not run unconfined: a failed join fails its spawn', async () => {
  const r = port.spawn({ ...req('full'), cgroups: [{ controller: 'pids', key: 'pids.max', value: '10' }] as SpawnRequest['cgroups'] });
  // Either refused before the clone (the fake tree cannot apply the limits) or a failed exec: never a process running without them.
  if (r.ok) {
    assert.ok(r.pending);
    await exitOf(r.pid);
    assert.equal(execed.find((x) => x.id === r.pid)?.failure?.stage, 'cgroup');
  } else {
    assert.equal(r.stage, 'cgroup');
  }
});
