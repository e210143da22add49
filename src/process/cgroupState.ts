// The job cgroups' part of the re-exec state: the base directory and which instance each directory under it belongs to.
import { arr, obj, str } from '../state/check.ts';

export interface CgroupsWire {
  /** Absolute directory of the base, and its path as /proc/PID/cgroup shows it. */
  dir: string;
  path: string;
  /** [directory name, job, instance]. */
  names: Array<[string, string, string]>;
}

export function checkCgroupsWire(v: unknown, where = 'cgroups'): CgroupsWire {
  const w = obj(v, where);
  str(w.dir, `${where}.dir`);
  str(w.path, `${where}.path`);
  arr(w.names, `${where}.names`).forEach((n, i) => {
    const t = arr(n, `${where}.names[${i}]`);
    for (let k = 0; k < 3; k++) str(t[k], `${where}.names[${i}][${k}]`);
  });
  return w as unknown as CgroupsWire;
}
