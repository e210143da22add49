// Privileged: the `cgroup` stanza applied — a 64M memory limit (v2 and v1 spellings) OOM-kills a job allocating 200 MB, reported as such; refused settings fail the job.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findOwnCgroup } from '../../../src/process/cgroupTree.ts';
import { findV1Hierarchies } from '../../../src/process/cgroupControllers.ts';
import { realFs } from '../../../src/sys/fs.ts';
import { startDaemon, waitForFile, waitForStatus, type DaemonHandle } from '../../integration/harness.ts';
import { cgroupsUsable } from '../../integration/cgroupHelpers.ts';

/** '' when a daemon started here can put a memory limit on its job cgroups; else why not. */
function memoryLimitUsable(): string {
  const why = cgroupsUsable();
  if (why) return why;
  const own = findOwnCgroup()!;
  const dir = join(own.mount, own.path);
  const v2 = readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory');
  if (v2) {
    // Enabling it for the job cgroups needs a cgroup without processes of its own (or the root).
    if (own.path === '/' || readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').includes('memory')) return '';
    return `the memory controller cannot be delegated here: ${dir} has processes and does not enable memory for its children`;
  }
  if (findV1Hierarchies('/proc/self', realFs).has('memory')) return '';
  return 'no memory controller: not in cgroup v2 here, and no cgroup v1 memory hierarchy';
}

const why = memoryLimitUsable();
if (why) console.log(`# skipping cgroup limits: ${why}`);
const skip = why || false;

const REPORT = 'RESULT=$RESULT PROCESS=${PROCESS-unset} EXIT_STATUS=${EXIT_STATUS-unset} EXIT_SIGNAL=${EXIT_SIGNAL-unset} SPAWN_ERROR=${SPAWN_ERROR-unset}';
/** Fills 200 MB (touched, so it is charged), then sleeps: over a 64M limit the OOM killer ends it. */
const HOG = `exec /usr/bin/python3 -c "import time; b = b'x' * (200 * 1024 * 1024); time.sleep(60)"\n`;
const JOBS: Record<string, string> = {
  'hog-v2': `cgroup memory memory.max 64M\n${HOG}`,
  'hog-v1': `cgroup memory memory.limit_in_bytes 64M\n${HOG}`,
  'limited-v2': 'cgroup memory memory.max 64M\ncgroup pids pids.max 50\nexec sleep 600\n',
  'limited-v1': 'cgroup memory memory.limit_in_bytes 64M\ncgroup cpu cpu.shares 512\nexec sleep 600\n',
  'refused': 'cgroup pids pids.max -5\nexec sleep 600\n',
  'unknown': 'cgroup bogus\nexec sleep 600\n',
};

let d: DaemonHandle;

before(async () => {
  if (skip) return;
  const jobs: Record<string, string> = { ...JOBS };
  for (const name of Object.keys(JOBS)) jobs[`watch-${name}`] = `start on stopped ${name}\ntask\nexec sh -c 'echo "${REPORT}" > "$OUT/stopped-${name}"'\n`;
  d = await startDaemon(jobs);
  assert.equal((await d.initctl(['set-env', `OUT=${d.dir}`])).code, 0);
});

after(async () => {
  await d?.stop();
});

/** A setting's file in the job's cgroup, as its pid's cgroups give it: V2FILE on cgroup v2, else V1FILE in the controller's v1 hierarchy. */
function settingFile(pid: number, controller: string, v2file: string, v1file: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const own = findOwnCgroup()!;
  const v2 = join(own.mount, lines.find((l) => l.startsWith('0::'))!.slice(3), v2file);
  if (existsSync(v2)) return v2;
  const line = (text: string): string => text.split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller))!.split(':')[2]!;
  const mount = findV1Hierarchies('/proc/self', realFs).get(controller)!;
  const ownV1 = line(readFileSync('/proc/self/cgroup', 'utf8'));
  return join(mount.slice(0, mount.length - (ownV1 === '/' ? 0 : ownV1.length)), line(lines.join('\n')), v1file);
}
const memoryLimitFile = (pid: number): string => settingFile(pid, 'memory', 'memory.max', 'memory.limit_in_bytes');

for (const spelling of ['v2', 'v1']) {
  test(`cgroup memory ${spelling === 'v2' ? 'memory.max' : 'memory.limit_in_bytes'} 64M: the limit is in the job's cgroup before it runs`, { skip }, async () => {
    assert.equal((await d.initctl(['start', `limited-${spelling}`])).code, 0);
    const s = await waitForStatus(d, `limited-${spelling}`, 'start/running');
    assert.equal(readFileSync(memoryLimitFile(s.pid!), 'utf8').trim(), '67108864');
    const st = JSON.parse((await d.initctl(['status', '--json', `limited-${spelling}`])).stdout) as Array<{ cgroup?: { memoryCurrent?: number; pidsCurrent?: number; cpuUsec?: number } }>;
    assert.equal(typeof st[0]!.cgroup?.memoryCurrent, 'number', JSON.stringify(st));
    if (spelling === 'v2') assert.equal(st[0]!.cgroup?.pidsCurrent, 1, JSON.stringify(st));
    if (spelling === 'v1') {
      // cpu.shares 512 is cpu.weight 20 on cgroup v2, and stays 512 on a v1 cpu hierarchy.
      const f = settingFile(s.pid!, 'cpu', 'cpu.weight', 'cpu.shares');
      assert.equal(readFileSync(f, 'utf8').trim(), f.endsWith('cpu.weight') ? '20' : '512', f);
    }
    assert.equal((await d.initctl(['stop', `limited-${spelling}`])).code, 0);
  });

  test(`a job allocating 200 MB under ${spelling === 'v2' ? 'memory.max' : 'memory.limit_in_bytes'} 64M is OOM-killed, and said so`, { skip }, async () => {
    rmSync(join(d.dir, `stopped-hog-${spelling}`), { force: true });
    await d.initctl(['start', `hog-${spelling}`]);
    assert.equal(await waitForFile(join(d.dir, `stopped-hog-${spelling}`)), 'RESULT=failed PROCESS=main EXIT_STATUS=unset EXIT_SIGNAL=KILL SPAWN_ERROR=unset\n');
    await waitForStatus(d, `hog-${spelling}`, 'stop/waiting');
    const st = JSON.parse((await d.initctl(['status', '--json', `hog-${spelling}`])).stdout) as Array<{ cgroup?: { oomKilled?: boolean; oomKills?: number } }>;
    assert.equal(st[0]!.cgroup?.oomKilled, true, JSON.stringify(st));
    assert.ok((st[0]!.cgroup?.oomKills ?? 0) >= 1, JSON.stringify(st));
    assert.match(d.stderr(), new RegExp(`hog-${spelling}: the OOM killer killed`));
  });
}

test('a setting the kernel refuses fails the job before it runs, with the reason in its stopped event and the log', { skip }, async () => {
  rmSync(join(d.dir, 'stopped-refused'), { force: true });
  const r = await d.initctl(['start', 'refused']);
  assert.notEqual(r.code, 0);
  const ev = await waitForFile(join(d.dir, 'stopped-refused'));
  assert.match(ev, /^RESULT=failed PROCESS=main EXIT_STATUS=unset EXIT_SIGNAL=unset SPAWN_ERROR=main process: cgroup: cgroup pids pids.max -5: the kernel refused '-5'/);
  assert.match(d.stderr(), /Failed to spawn refused main process: cgroup: cgroup pids pids.max -5: the kernel refused/);
});

test('an unknown controller fails the job, naming it', { skip }, async () => {
  rmSync(join(d.dir, 'stopped-unknown'), { force: true });
  await d.initctl(['start', 'unknown']);
  assert.match(await waitForFile(join(d.dir, 'stopped-unknown')), /SPAWN_ERROR=main process: cgroup: cgroup bogus: unknown cgroup controller 'bogus'/);
});
