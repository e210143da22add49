// upstart-file-bridge's rules (file-event(7)): which paths the jobs' `file` conditions name, and which events a change makes.
import { basename, dirname, join } from 'node:path';
import { hasGlob, globMatch } from '../events/glob.ts';
import type { Condition } from '../model/condition.ts';

export type FileEventType = 'create' | 'modify' | 'delete';
const TYPES: readonly string[] = ['create', 'modify', 'delete'];

/**
 * One `file FILE=… [EVENT=…]` operand. `file` is the FILE value as the job wrote it (the event
 * carries it back unchanged); `path` is what is watched (after --user expansion of `~/`, `./`
 * and relative paths). kind: a path ending in `/` is a directory, a last component with glob
 * characters a glob, anything else a file.
 */
export interface FileWatch {
  file: string;
  event?: FileEventType;
  path: string;
  kind: 'file' | 'dir' | 'glob';
}

export const watchKey = (w: FileWatch): string => `${w.file}\0${w.event ?? ''}`;

/** Every `file` operand of the conditions, once each; operands the bridge cannot watch are skipped with why. */
export function watchesOf(conditions: Condition[], home: string | undefined, skipped: (file: string, why: string) => void = () => {}): FileWatch[] {
  const out = new Map<string, FileWatch>();
  const visit = (c: Condition): void => {
    if (c.kind !== 'event') {
      visit(c.left);
      visit(c.right);
      return;
    }
    if (c.name !== 'file') return;
    const fileArg = c.args.find((a) => a.key === 'FILE' && !a.negate) ?? c.args.find((a) => a.key === undefined);
    const eventArg = c.args.find((a) => a.key === 'EVENT' && !a.negate);
    if (fileArg === undefined) return;
    const file = fileArg.value;
    if (eventArg !== undefined && !TYPES.includes(eventArg.value)) return skipped(file, `EVENT=${eventArg.value} is not create, modify or delete`);
    if (file.includes('$')) return skipped(file, 'variables are not expanded in FILE');
    const path = expand(file, home);
    if (path === undefined) return skipped(file, 'FILE must be an absolute path (relative paths need --user)');
    const kind = file.endsWith('/') ? 'dir' : hasGlob(basename(path)) ? 'glob' : 'file';
    const w: FileWatch = { file, path: kind === 'dir' && path.length > 1 ? path.replace(/\/+$/, '') : path, kind };
    if (eventArg !== undefined) w.event = eventArg.value as FileEventType;
    out.set(watchKey(w), w);
  };
  conditions.forEach(visit);
  return [...out.values()];
}

/** upstart-file-bridge(8): with --user, `~/X` and `./X` and `X` are below the home directory. */
function expand(file: string, home: string | undefined): string | undefined {
  if (file.startsWith('/')) return file;
  if (home === undefined) return undefined;
  if (file.startsWith('~/')) return join(home, file.slice(2));
  if (file.startsWith('./')) return join(home, file.slice(2));
  return join(home, file);
}

/** The directories whose entries a watch needs to see: the file's or glob's own, and for a directory itself and its parent. */
export function dirsOf(w: FileWatch): string[] {
  return w.kind === 'dir' ? [w.path, dirname(w.path)] : [dirname(w.path)];
}

/** The environment of each `file` event an entry change in `dir` makes for `w` (none if it does not concern it). */
export function eventFor(w: FileWatch, dir: string, entry: string, type: FileEventType): string[] | undefined {
  if (w.event !== undefined && w.event !== type) return undefined;
  const env = [`FILE=${w.file}`, `EVENT=${type}`];
  switch (w.kind) {
    case 'file':
      return dir === dirname(w.path) && entry === basename(w.path) ? env : undefined;
    case 'glob':
      return dir === dirname(w.path) && globMatch(basename(w.path), entry) ? [...env, `MATCH=${join(dir, entry)}`] : undefined;
    case 'dir':
      if (dir === w.path) return env;
      return dir === dirname(w.path) && entry === basename(w.path) ? env : undefined;
  }
}
