// Upstart's object paths: /com/ubuntu/Upstart/jobs/JOB/INSTANCE, each name escaped as Upstart escapes it.

export const UPSTART_PATH = '/com/ubuntu/Upstart';
export const JOBS_PATH = `${UPSTART_PATH}/jobs`;

/**
 * One path element for a name: letters and digits stay, every other byte becomes `_` and two
 * lower-case hex digits (`-` → `_2d`, `/` → `_2f`, `_` → `_5f`); the empty name is `_`
 * (the instance of a job without `instance`).
 */
export function escapePathElement(name: string): string {
  if (name === '') return '_';
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9]/.test(c) ? c : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The name an escaped element stands for; undefined when it is not one escapePathElement makes. */
export function unescapePathElement(el: string): string | undefined {
  if (el === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < el.length; i++) {
    const c = el[i]!;
    if (c === '_') {
      const hex = el.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (/[A-Za-z0-9]/.test(c)) {
      bytes.push(c.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

export const jobPath = (job: string): string => `${JOBS_PATH}/${escapePathElement(job)}`;
export const instancePath = (job: string, instance: string): string => `${jobPath(job)}/${escapePathElement(instance)}`;

/** What an object path names: the manager, a job, an instance, a node between them, or nothing of ours. */
export type PathTarget =
  | { kind: 'manager' }
  | { kind: 'job'; job: string }
  | { kind: 'instance'; job: string; instance: string }
  | { kind: 'node'; path: string }
  | { kind: 'none' };

export function parsePath(path: string): PathTarget {
  if (path === UPSTART_PATH) return { kind: 'manager' };
  if (path === '/' || path === '/com' || path === '/com/ubuntu' || path === JOBS_PATH) return { kind: 'node', path };
  if (!path.startsWith(`${JOBS_PATH}/`)) return { kind: 'none' };
  const parts = path.slice(JOBS_PATH.length + 1).split('/');
  if (parts.length > 2) return { kind: 'none' };
  const job = unescapePathElement(parts[0]!);
  if (job === undefined || job === '') return { kind: 'none' };
  if (parts.length === 1) return { kind: 'job', job };
  const instance = unescapePathElement(parts[1]!);
  return instance === undefined ? { kind: 'none' } : { kind: 'instance', job, instance };
}
