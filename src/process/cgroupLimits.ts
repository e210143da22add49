// The `cgroup` stanzas of a job as cgroup v2 settings: controller names and v1 keys translated, v2 keys kept; and back to v1 for a hybrid machine.
import type { CgroupSpec } from '../model/jobClass.ts';

/** One file to write in the job's cgroup, in cgroup v2 terms; `stanza` is what the job file said (for errors). */
export interface CgroupSetting {
  controller: string;
  file: string;
  value: string;
  stanza: string;
  /** A v1 key as the job file gave it: written as it is on a v1 hierarchy (no lossy round trip through v2). */
  v1?: Array<{ file: string; value: string }>;
}

/** What a job's `cgroup` stanzas ask for: the v2 controllers its cgroup needs, and the files to write. */
export interface CgroupPlan {
  controllers: string[];
  settings: CgroupSetting[];
}

/** A stanza that cannot be applied (unknown controller, a key of another controller, a bad value). */
export class CgroupLimitError extends Error {
  constructor(readonly stanza: string, reason: string) {
    super(`${stanza}: ${reason}`);
    this.name = 'CgroupLimitError';
  }
}

/** v1 controller names → v2; null: nothing to enable (v2 has it in its core: cgroup.freeze, cpu.stat, perf events). */
const CONTROLLERS: Readonly<Record<string, string | null>> = {
  memory: 'memory', cpu: 'cpu', cpuacct: null, cpuset: 'cpuset', pids: 'pids', blkio: 'io', io: 'io',
  hugetlb: 'hugetlb', rdma: 'rdma', misc: 'misc', freezer: null, perf_event: null,
};

/** v1 controllers that cgroup v2 has no counterpart for. */
const NO_V2: Readonly<Record<string, string>> = {
  devices: 'cgroup v2 has no devices controller (device access is a BPF program)',
  net_cls: 'cgroup v2 has no net_cls controller (match the cgroup path in nftables instead)',
  net_prio: 'cgroup v2 has no net_prio controller',
};

const SIZE = /^(\d+)([kKmMgGtT]?)$/;
const UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A memory size (bytes, or with a K/M/G/T suffix as v1 took it; -1 or max for no limit) as cgroup v2 writes it. */
function size(s: CgroupSpec, value: string): string {
  if (value === '-1' || value === 'max') return 'max';
  const m = SIZE.exec(value);
  if (!m) throw new CgroupLimitError(text(s), `bad size '${value}': expected bytes, a K, M, G or T suffix, or max`);
  return String(BigInt(m[1]!) * BigInt(UNITS[m[2]!.toLowerCase()]!));
}

function whole(s: CgroupSpec, value: string, lo: number, hi: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= lo && n <= hi)) throw new CgroupLimitError(text(s), `bad value '${value}': expected a whole number from ${lo} to ${hi}`);
  return n;
}

/** cpu.shares (2..262144, default 1024) → cpu.weight (1..10000), the OCI runtimes' documented formula. */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** blkio.weight (10..1000) → io.weight (1..10000), the OCI runtimes' formula. */
export function blkioToIoWeight(w: number): number {
  return Math.floor(1 + ((w - 10) * 9999) / 990);
}

/** The stanza as the job file wrote it. */
function text(s: CgroupSpec): string {
  return ['cgroup', s.controller, s.name, s.key, s.value].filter((x) => x !== undefined).join(' ');
}

const THROTTLE: Readonly<Record<string, string>> = {
  'blkio.throttle.read_bps_device': 'rbps', 'blkio.throttle.write_bps_device': 'wbps',
  'blkio.throttle.read_iops_device': 'riops', 'blkio.throttle.write_iops_device': 'wiops',
};

/** One KEY VALUE in v2 terms (cpu.max's halves merged by the caller). */
function translate(s: CgroupSpec, key: string, value: string): { file: string; value: string } {
  const v2size = /^memory\.(max|high|low|min|swap\.max|swap\.high|zswap\.max)$/;
  if (v2size.test(key)) return { file: key, value: size(s, value) };
  switch (key) {
    case 'memory.limit_in_bytes': return { file: 'memory.max', value: size(s, value) };
    case 'memory.soft_limit_in_bytes': return { file: 'memory.low', value: size(s, value) };
    case 'cpu.shares': return { file: 'cpu.weight', value: String(sharesToWeight(whole(s, value, 2, 262144))) };
    case 'blkio.weight': return { file: 'io.weight', value: String(blkioToIoWeight(whole(s, value, 10, 1000))) };
    default: break;
  }
  const throttle = THROTTLE[key];
  if (throttle !== undefined) {
    const m = /^(\d+:\d+)\s+(\d+)$/.exec(value.trim());
    if (!m) throw new CgroupLimitError(text(s), `bad value '${value}': expected 'MAJOR:MINOR LIMIT'`);
    return { file: 'io.max', value: `${m[1]} ${throttle}=${m[2]}` };
  }
  const huge = /^hugetlb\.([^.]+)\.limit_in_bytes$/.exec(key);
  if (huge) return { file: `hugetlb.${huge[1]}.max`, value: size(s, value) };
  return { file: key, value };
}

/**
 * The plan for a job's `cgroup` stanzas; throws CgroupLimitError naming the stanza for an unknown
 * controller, a key that is not the controller's, or a value that cannot be translated.
 * NAME (Upstart's cgroup name) is not a place here: every instance has a cgroup of its own.
 */
export function planCgroupLimits(specs: readonly CgroupSpec[]): CgroupPlan {
  const controllers = new Set<string>();
  const settings: CgroupSetting[] = [];
  let quota: { s: CgroupSpec; quota?: string; period?: string } | undefined;
  for (const s of specs) {
    const c = s.controller;
    if (NO_V2[c] !== undefined) throw new CgroupLimitError(text(s), NO_V2[c]);
    if (!(c in CONTROLLERS)) throw new CgroupLimitError(text(s), `unknown cgroup controller '${c}'`);
    const v2 = CONTROLLERS[c] ?? null;
    if (v2 !== null) controllers.add(v2);
    if (s.key === undefined || s.value === undefined) continue;
    const key = s.key;
    const owner = key.split('.')[0]!;
    const keyCtl = owner in CONTROLLERS ? CONTROLLERS[owner] : undefined;
    if (owner !== c && (keyCtl === undefined || keyCtl !== v2)) {
      throw new CgroupLimitError(text(s), `'${key}' is not a setting of the ${c} controller`);
    }
    if (v2 === null) throw new CgroupLimitError(text(s), `the ${c} controller has no settings to write in cgroup v2 (${key})`);
    if (key === 'cpu.cfs_quota_us' || key === 'cpu.cfs_period_us') {
      quota ??= { s };
      const n = key === 'cpu.cfs_period_us' ? String(whole(s, s.value, 1000, 1_000_000)) : s.value === '-1' ? 'max' : String(whole(s, s.value, 1000, 2 ** 40));
      if (key === 'cpu.cfs_quota_us') quota.quota = n;
      else quota.period = n;
      continue;
    }
    const t = translate(s, key, s.value);
    const at = settings.findIndex((x) => x.file === t.file && t.file !== 'io.max');
    const setting: CgroupSetting = { controller: v2, file: t.file, value: t.value, stanza: text(s) };
    if (t.file !== key && (key === 'cpu.shares' || key === 'blkio.weight')) setting.v1 = [{ file: key, value: s.value }];
    if (at >= 0) settings[at] = setting;
    else settings.push(setting);
  }
  if (quota) {
    settings.push({ controller: 'cpu', file: 'cpu.max', value: `${quota.quota ?? 'max'} ${quota.period ?? '100000'}`, stanza: text(quota.s) });
  }
  return { controllers: [...controllers], settings };
}

/** v2 cpu.weight → v1 cpu.shares (the inverse of sharesToWeight). */
function weightToShares(w: number): number {
  return Math.round(2 + ((w - 1) * 262142) / 9999);
}

/**
 * A v2 setting as a v1 hierarchy takes it (a hybrid machine whose controller is bound to v1): the
 * files to write, or a reason there is no v1 equivalent.
 */
export function toV1(set: CgroupSetting): Array<{ file: string; value: string }> | string {
  if (set.v1 !== undefined) return set.v1;
  const v = set.value;
  const num = (x: string): number => Number(x);
  switch (set.file) {
    case 'memory.max': return [{ file: 'memory.limit_in_bytes', value: v === 'max' ? '-1' : v }];
    case 'memory.low': return [{ file: 'memory.soft_limit_in_bytes', value: v === 'max' ? '-1' : v }];
    case 'cpu.weight': return [{ file: 'cpu.shares', value: String(weightToShares(num(v))) }];
    case 'io.weight': {
      const n = /^(?:default\s+)?(\d+)$/.exec(v);
      return n ? [{ file: 'blkio.weight', value: String(Math.round(10 + ((num(n[1]!) - 1) * 990) / 9999)) }] : 'only a default io.weight has a v1 equivalent';
    }
    case 'cpu.max': {
      const [q, p] = v.split(/\s+/);
      const out = [{ file: 'cpu.cfs_quota_us', value: q === 'max' ? '-1' : q! }];
      if (p !== undefined) out.unshift({ file: 'cpu.cfs_period_us', value: p });
      return out;
    }
    case 'pids.max': case 'cpuset.cpus': case 'cpuset.mems': return [{ file: set.file, value: v }];
    default: break;
  }
  const huge = /^hugetlb\.([^.]+)\.max$/.exec(set.file);
  if (huge) return [{ file: `hugetlb.${huge[1]}.limit_in_bytes`, value: v === 'max' ? '-1' : v }];
  const io = /^(\d+:\d+)\s+(rbps|wbps|riops|wiops)=(\d+)$/.exec(v);
  if (set.file === 'io.max' && io) {
    const name = { rbps: 'read_bps', wbps: 'write_bps', riops: 'read_iops', wiops: 'write_iops' }[io[2] as 'rbps'];
    return [{ file: `blkio.throttle.${name}_device`, value: `${io[1]} ${io[3]}` }];
  }
  return `${set.file} has no cgroup v1 equivalent (the ${set.controller} controller is on a v1 hierarchy here)`;
}
