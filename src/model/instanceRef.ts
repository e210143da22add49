// One job instance's identity and every name derived from it: map key, label, log file name, cgroup name.

/** A job instance: `instance` is '' for a job without an `instance` stanza. */
export interface InstanceRef {
  job: string;
  instance: string;
}

/** A map key for the instance (`job\0instance`; NUL can be in neither part). */
export function instanceKey(job: string, instance: string): string {
  return `${job}\0${instance}`;
}

/** How messages and initctl name the instance: `job`, or `job (instance)`. */
export function instanceLabel(job: string, instance: string): string {
  return instance === '' ? job : `${job} (${instance})`;
}

/**
 * The log file name (not path), as Upstart's init(5) says: `foo/bar` instance `wibble` →
 * `foo_bar-wibble.log`, JOB.log without an instance. Every '/' in the whole name becomes '_', so
 * the log directory stays flat and an instance like `/dev/ttyS0` cannot escape it. (Not
 * injective, as in Upstart: the log names are part of the documented behaviour.)
 */
export function logName(job: string, instance: string): string {
  const base = instance === '' ? job : `${job}-${instance}`;
  return `${base.replaceAll('/', '_')}.log`;
}

/** Bytes of a cgroup name part that are written as %XX: the escape itself, '/', the separator '@', control characters. */
// eslint-disable-next-line no-control-regex
const CGROUP_ESCAPED = /[%/@\x00-\x1f\x7f]/g;

function escapePart(s: string): string {
  const e = s.replace(CGROUP_ESCAPED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  // '.' and '..' are not names a directory can take; a leading dot is escaped so neither appears.
  return e.startsWith('.') ? `%2E${e.slice(1)}` : e;
}

/**
 * The directory name of the instance's cgroup: JOB, or JOB@INSTANCE, each part with '%', '/',
 * '@', control characters and a leading '.' written as %XX (docs/decisions.md "Job cgroup
 * names"). Injective: `a-b` and `a`+`b` (`a@b`), `net/apache` (`net%2Fapache`) and `net_apache`
 * never share a directory; parseCgroupName is its inverse.
 */
export function cgroupName(job: string, instance: string): string {
  return instance === '' ? escapePart(job) : `${escapePart(job)}@${escapePart(instance)}`;
}

/** The instance a cgroupName() came from, or undefined for a name it cannot have made. */
export function parseCgroupName(name: string): InstanceRef | undefined {
  const at = name.indexOf('@');
  const parts = at < 0 ? [name] : [name.slice(0, at), name.slice(at + 1)];
  const decoded = parts.map((p) => {
    if (p === '' || p.startsWith('.') || /%(?![0-9A-F]{2})/.test(p)) return undefined;
    return p.replace(/%([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  });
  if (decoded.some((d) => d === undefined)) return undefined;
  const ref = { job: decoded[0]!, instance: decoded[1] ?? '' };
  // Only the canonical spelling counts (so parse ∘ name is the identity both ways).
  return cgroupName(ref.job, ref.instance) === name ? ref : undefined;
}
