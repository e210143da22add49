// The job cgroups' retry policy: made on first use; a system init looks again every 5 s while cgroup v2 is not mounted; other failures are final.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CGROUP_RETRY_MS, JobCgroups } from '../../../src/daemon/jobCgroups.ts';
import { CgroupTree, type NoCgroups } from '../../../src/process/cgroupTree.ts';

const root = mkdtempSync(join(tmpdir(), 'upstart-jobcgroups-'));
after(() => rmSync(root, { recursive: true, force: true }));

let worlds = 0;

/** A create() that fails as told until mount(), then makes a real tree in a plain directory (with a cgroup.procs file). */
function world(failure: NoCgroups) {
  const baseName = `base${++worlds}`;
  let t = 0;
  let mounted = false;
  const tries: number[] = [];
  const logs: string[] = [];
  const cg = (system: boolean, disabled = false) => new JobCgroups({
    disabled,
    system,
    baseName,
    log: (level, msg) => logs.push(`${level}: ${msg}`),
    now: () => t,
    create: (name, log) => {
      tries.push(t);
      return mounted ? CgroupTree.create(name, log, { mount: root, path: '/' }) : failure;
    },
  });
  return { cg, tries, logs, advance: (ms: number) => { t += ms; }, mount: () => {
    mkdirSync(join(root, baseName));
    writeFileSync(join(root, baseName, 'cgroup.procs'), '');
    mounted = true;
  } };
}

test('a system init without cgroup v2 looks again only after 5 s, and uses the tree once it is mounted', () => {
  const w = world({ why: 'no cgroup v2 hierarchy is mounted', mounted: false });
  const cg = w.cg(true);
  assert.equal(cg.get(), undefined);
  assert.equal(cg.get(), undefined);
  w.advance(CGROUP_RETRY_MS - 1);
  w.mount();
  assert.equal(cg.get(), undefined);
  assert.deepEqual(w.tries, [0]);
  w.advance(1);
  const tree = cg.get();
  assert.ok(tree instanceof CgroupTree);
  assert.equal(cg.get(), tree);
  assert.equal(cg.current, tree);
  assert.deepEqual(w.tries, [0, CGROUP_RETRY_MS]);
  assert.equal(w.logs[0], 'info: job processes are not tracked by cgroup: no cgroup v2 hierarchy is mounted');
  assert.equal(w.logs.filter((l) => l.includes('not tracked')).length, 1);
  cg.close();
});

test('a session init does not look again, and says so only at debug level', () => {
  const w = world({ why: 'no cgroup v2 hierarchy is mounted', mounted: false });
  const cg = w.cg(false);
  assert.equal(cg.get(), undefined);
  w.advance(10 * CGROUP_RETRY_MS);
  w.mount();
  assert.equal(cg.get(), undefined);
  assert.deepEqual(w.tries, [0]);
  assert.deepEqual(w.logs, ['debug: job processes are not tracked by cgroup: no cgroup v2 hierarchy is mounted']);
});

test('a mounted cgroup v2 the daemon may not write to is final, even for a system init', () => {
  const w = world({ why: 'cannot create /sys/fs/cgroup/upstart: EACCES', mounted: true });
  const cg = w.cg(true);
  assert.equal(cg.get(), undefined);
  w.advance(10 * CGROUP_RETRY_MS);
  assert.equal(cg.get(), undefined);
  assert.deepEqual(w.tries, [0]);
});

test('--no-cgroups never tries', () => {
  const w = world({ why: 'x', mounted: false });
  const cg = w.cg(true, true);
  assert.equal(cg.get(), undefined);
  assert.deepEqual(w.tries, []);
  assert.equal(cg.current, undefined);
});
