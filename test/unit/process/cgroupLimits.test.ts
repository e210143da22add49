// The `cgroup` stanzas as cgroup v2 settings: v1 keys and controller names translated (cpu.shares by the OCI formula), v2 keys kept, errors naming the stanza.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CgroupLimitError, blkioToIoWeight, planCgroupLimits, sharesToWeight, toV1 } from '../../../src/process/cgroupLimits.ts';
import type { CgroupSpec } from '../../../src/model/jobClass.ts';

const plan = (...specs: CgroupSpec[]) => planCgroupLimits(specs);
const files = (...specs: CgroupSpec[]) => plan(...specs).settings.map((s) => `${s.file}=${s.value}`);

test('memory: v1 limit_in_bytes and v2 memory.max both become memory.max in bytes', () => {
  assert.deepEqual(files({ controller: 'memory', key: 'memory.limit_in_bytes', value: '64M' }), ['memory.max=67108864']);
  assert.deepEqual(files({ controller: 'memory', key: 'memory.max', value: '64M' }), ['memory.max=67108864']);
  assert.deepEqual(files({ controller: 'memory', key: 'memory.max', value: '1g' }), ['memory.max=1073741824']);
  assert.deepEqual(files({ controller: 'memory', key: 'memory.limit_in_bytes', value: '-1' }), ['memory.max=max']);
  assert.deepEqual(files({ controller: 'memory', key: 'memory.soft_limit_in_bytes', value: '1024' }), ['memory.low=1024']);
  assert.deepEqual(plan({ controller: 'memory', key: 'memory.max', value: '1K' }).controllers, ['memory']);
});

test('cpu.shares → cpu.weight by 1 + (shares - 2) * 9999 / 262142', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
  assert.deepEqual(files({ controller: 'cpu', key: 'cpu.shares', value: '512' }), ['cpu.weight=20']);
  // On a v1 hierarchy (a hybrid machine) the v1 value goes as the job file gave it.
  assert.deepEqual(toV1(plan({ controller: 'cpu', key: 'cpu.shares', value: '512' }).settings[0]!), [{ file: 'cpu.shares', value: '512' }]);
  assert.throws(() => plan({ controller: 'cpu', key: 'cpu.shares', value: '1' }), /cgroup cpu cpu.shares 1: bad value '1'/);
});

test('cfs quota and period merge into cpu.max; the v1 form comes back on a v1 hierarchy', () => {
  const p = plan({ controller: 'cpu', key: 'cpu.cfs_quota_us', value: '50000' }, { controller: 'cpu', key: 'cpu.cfs_period_us', value: '200000' });
  assert.deepEqual(p.settings.map((s) => `${s.file}=${s.value}`), ['cpu.max=50000 200000']);
  assert.deepEqual(toV1(p.settings[0]!), [{ file: 'cpu.cfs_period_us', value: '200000' }, { file: 'cpu.cfs_quota_us', value: '50000' }]);
  assert.deepEqual(files({ controller: 'cpu', key: 'cpu.cfs_quota_us', value: '-1' }), ['cpu.max=max 100000']);
});

test('blkio becomes io: weight by the OCI formula, throttles as io.max lines', () => {
  assert.equal(blkioToIoWeight(10), 1);
  assert.equal(blkioToIoWeight(1000), 10000);
  assert.deepEqual(files({ controller: 'blkio', key: 'blkio.weight', value: '500' }), ['io.weight=4950']);
  assert.deepEqual(plan({ controller: 'blkio' }).controllers, ['io']);
  assert.deepEqual(files({ controller: 'blkio', key: 'blkio.throttle.read_bps_device', value: '8:0 1048576' }, { controller: 'blkio', key: 'blkio.throttle.write_iops_device', value: '8:0 100' }),
    ['io.max=8:0 rbps=1048576', 'io.max=8:0 wiops=100']);
});

test('pids, cpuset and other v2 keys are written as they are; the last of one key wins', () => {
  assert.deepEqual(files({ controller: 'pids', key: 'pids.max', value: '100' }, { controller: 'cpuset', key: 'cpuset.cpus', value: '0-1' }, { controller: 'pids', key: 'pids.max', value: '200' }),
    ['pids.max=200', 'cpuset.cpus=0-1']);
  assert.deepEqual(files({ controller: 'memory', key: 'memory.high', value: '10M' }), ['memory.high=10485760']);
  assert.deepEqual(files({ controller: 'io', key: 'io.weight', value: 'default 200' }), ['io.weight=default 200']);
});

test('controllers v2 keeps in its core need nothing; NAME is accepted', () => {
  assert.deepEqual(plan({ controller: 'cpuacct' }, { controller: 'freezer' }, { controller: 'memory', name: 'db/$UPSTART_JOB' }).controllers, ['memory']);
});

test('errors name the stanza: unknown controller, a v1-only controller, another controller\'s key, a bad size', () => {
  const err = (spec: CgroupSpec): string => {
    try {
      plan(spec);
    } catch (e) {
      assert.ok(e instanceof CgroupLimitError);
      return e.message;
    }
    return 'no error';
  };
  assert.equal(err({ controller: 'bogus' }), "cgroup bogus: unknown cgroup controller 'bogus'");
  assert.match(err({ controller: 'devices', key: 'devices.deny', value: 'a' }), /^cgroup devices devices.deny a: cgroup v2 has no devices controller/);
  assert.equal(err({ controller: 'memory', key: 'cpu.weight', value: '10' }), "cgroup memory cpu.weight 10: 'cpu.weight' is not a setting of the memory controller");
  assert.match(err({ controller: 'memory', key: 'memory.max', value: 'lots' }), /^cgroup memory memory.max lots: bad size 'lots'/);
});

test('back to v1: memory.max as limit_in_bytes, cpu.weight as shares; a v2-only key says it has no v1 equivalent', () => {
  const s = (file: string, value: string, controller = file.split('.')[0]!) => ({ controller, file, value, stanza: 'x' });
  assert.deepEqual(toV1(s('memory.max', '67108864')), [{ file: 'memory.limit_in_bytes', value: '67108864' }]);
  assert.deepEqual(toV1(s('memory.max', 'max')), [{ file: 'memory.limit_in_bytes', value: '-1' }]);
  assert.deepEqual(toV1(s('cpu.weight', '10000')), [{ file: 'cpu.shares', value: '262144' }]);
  assert.deepEqual(toV1(s('cpu.weight', '1')), [{ file: 'cpu.shares', value: '2' }]);
  assert.match(toV1(s('memory.high', '1')) as string, /memory.high has no cgroup v1 equivalent/);
});
