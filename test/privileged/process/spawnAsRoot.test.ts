// Privileged: spawn attributes only root can set — user/groups, negative nice and oom score, cgroup, chroot.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as native from '../../../src/sys/index.ts';
import { SpawnError } from '../../../src/sys/spawnError.ts';
import { PROBE, parseProbe } from '../../native/process/helpers/probe.ts';
import { run, SH_ENV, stopReaping } from '../../native/process/helpers/reap.ts';

const skip = process.getuid?.() !== 0 ? 'needs root' : false;
if (skip) console.log('# skipping root-only spawn tests: not running as root');
after(stopReaping);

test('user sets uid, gid and the supplementary groups initgroups would; group overrides the gid', { skip }, async () => {
  const { out: idOut } = await run({ argv: ['id', '-G', 'nobody'], env: SH_ENV });
  const expectedGroups = idOut.trim();
  const p = parseProbe((await run({ argv: ['sh', '-c', PROBE], env: SH_ENV, user: 'nobody' })).out);
  assert.equal(p.uid, '65534');
  assert.equal(p.groups, `groups=${expectedGroups}`.slice('groups='.length));
  const q = parseProbe((await run({ argv: ['sh', '-c', PROBE], env: SH_ENV, user: 'nobody', group: 'daemon' })).out);
  assert.deepEqual([q.uid, q.gid], ['65534', '1']);
});

test('negative nice', { skip }, async () => {
  const p = parseProbe((await run({ argv: ['sh', '-c', PROBE], env: SH_ENV, nice: -5 })).out);
  assert.equal(p.nice, '-5');
});

// Lowering oom_score_adj needs CAP_SYS_RESOURCE (bit 24), which some containers drop even for root.
const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'}`);
const noSysResource = (capEff >> 24n) & 1n ? false : 'needs CAP_SYS_RESOURCE';
if (!skip && noSysResource) console.log('# skipping negative oom_score_adj: no CAP_SYS_RESOURCE here');
test('negative oom_score_adj', { skip: skip || noSysResource }, async () => {
  const p = parseProbe((await run({ argv: ['sh', '-c', PROBE], env: SH_ENV, oomScoreAdj: -500 })).out);
  assert.equal(p.oom, '-500');
});

test('without CAP_SYS_RESOURCE, a negative oom_score_adj fails at its stage', { skip: skip || (noSysResource ? false : 'has CAP_SYS_RESOURCE') }, () => {
  assert.throws(() => native.spawn({ argv: ['true'], env: SH_ENV, oomScoreAdj: -500 }), (e: unknown) => e instanceof SpawnError && e.stage === 'oom_score_adj' && e.code === 'EACCES');
});

const cgroupParent = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((d) => existsSync(join(d, 'cgroup.procs')));
test('the child joins a cgroup before exec', { skip: skip || (cgroupParent ? false : 'no writable cgroup hierarchy') }, async () => {
  const dir = join(cgroupParent!, `upstart-test-${process.pid}`);
  mkdirSync(dir);
  try {
    const p = parseProbe((await run({ argv: ['sh', '-c', PROBE], env: SH_ENV, cgroups: [dir] })).out);
    assert.match(p.cgroup!, new RegExp(`/upstart-test-${process.pid}( |$)`));
  } finally {
    rmdirSync(dir);
  }
});

test('chroot then chdir inside it', { skip }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'upstart-chroot-'));
  try {
    // A minimal root: /bin/sh and the libraries ldd names.
    const { out } = await run({ argv: ['ldd', '/bin/sh'], env: SH_ENV });
    const files = ['/bin/sh', ...out.split('\n').map((l) => /(\/\S+)/.exec(l)?.[1]).filter((f): f is string => !!f)];
    for (const f of files) {
      mkdirSync(join(root, dirname(f)), { recursive: true });
      copyFileSync(f, join(root, f));
    }
    mkdirSync(join(root, 'work'));
    const r = await run({ argv: ['/bin/sh', '-c', 'echo "$PWD"; cd / && echo *'], env: ['PWD=unset'], chroot: root, cwd: '/work' });
    const [pwd, listing] = r.out.trim().split('\n');
    assert.equal(pwd, '/work');
    assert.ok(listing!.split(' ').includes('work') && !listing!.split(' ').includes('proc'), listing);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
