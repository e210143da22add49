// The job cgroups' retry policy: made on first use; a system init looks again at each spawn while cgroup v2 is not mounted; other failures are final.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobCgroups } from '../../../src/daemon/jobCgroups.ts';
import { CgroupTree, type NoCgroups } from '../../../src/process/cgroupTree.ts';

const root = mkdtempSync(join(tmpdir(), 'upstart-jobcgroups-'));
after(() => rmSync(root, { recursive: true, force: true }));

let worlds = 0;

/** A create() that fails as told until mount(), then makes a real tree in a plain directory (with a cgroup.procs file). */
function world(failure: NoCgroups) {
  const baseName = `base${++worlds}`;
  let t = 0;
  let mounted = false;
  let running: string[] = [];
  const tries: number[] = [];
  const logs: string[] = [];
  const cg = (system: boolean, disabled = false) => new JobCgroups({
    disabled,
    system,
    baseName,
    log: (level, msg) => logs.push(`${level}: ${msg}`),
    running: () => running,
    create: (name, log) => {
      tries.push(t);
      return mounted ? CgroupTree.create(name, log, { mount: root, path: '/' }) : failure;
    },
  });
  return { cg, tries, logs, advance: (n: number) => { t += n; }, run: (names: string[]) => { running = names; }, mount: () => {
    mkdirSync(join(root, baseName));
    writeFileSync(join(root, baseName, 'cgroup.procs'), '');
    mounted = true;
  } };
}

test('a system init without cgroup v2 looks again at every spawn, uses the tree from the mount on, and names what runs outside it', () => {
  const w = world({ why: 'no cgroup v2 hierarchy is mounted', mounted: false });
  const cg = w.cg(true);
  assert.equal(cg.get(), undefined);
  w.advance(1);
  assert.equal(cg.get(), undefined);
  assert.deepEqual(w.tries, [0, 1]);
  w.mount();
  w.run(['hostname', 'net (eth0)']);
  w.advance(1);
  const tree = cg.get();
  assert.ok(tree instanceof CgroupTree);
  assert.equal(cg.get(), tree);
  assert.equal(cg.current, tree);
  assert.deepEqual(w.tries, [0, 1, 2], 'no look once the tree exists');
  assert.deepEqual(w.logs, [
    'info: job processes are not tracked by cgroup: no cgroup v2 hierarchy is mounted (looking again at each spawn)',
    `info: cgroup v2 is mounted now: job cgroups under ${tree.dir} from the next process on; already running without one, and left there: hostname, net (eth0)`,
  ]);
  cg.close();
});

test('a tree made at the first look is said at debug level only', () => {
  const w = world({ why: 'x', mounted: false });
  w.mount();
  const cg = w.cg(true);
  const tree = cg.get();
  assert.ok(tree instanceof CgroupTree);
  assert.deepEqual(w.logs, [`debug: job cgroups under ${tree.dir}`]);
  cg.close();
});

test('a session init does not look again, and says so only at debug level', () => {
  const w = world({ why: 'no cgroup v2 hierarchy is mounted', mounted: false });
  const cg = w.cg(false);
  assert.equal(cg.get(), undefined);
  w.advance(1);
  w.mount();
  assert.equal(cg.get(), undefined);
  assert.deepEqual(w.tries, [0]);
  assert.deepEqual(w.logs, ['debug: job processes are not tracked by cgroup: no cgroup v2 hierarchy is mounted']);
});

test('a mounted cgroup v2 the daemon may not write to is final, even for a system init', () => {
  const w = world({ why: 'cannot create /sys/fs/cgroup/upstart: EACCES', mounted: true });
  const cg = w.cg(true);
  assert.equal(cg.get(), undefined);
  w.advance(1);
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
