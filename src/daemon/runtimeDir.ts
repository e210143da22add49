// A session's runtime directory when XDG_RUNTIME_DIR is unset, /tmp/upstart-UID: made 0700, and used only if it is the user's own.
import { chmodSync, lstatSync, mkdirSync, type Stats } from 'node:fs';

/** Where a session init without XDG_RUNTIME_DIR keeps its socket and session file (as Upstart's session inits did). */
export function fallbackRuntimeDir(uid: number): string {
  return `/tmp/upstart-${uid}`;
}

/** The runtime directory: XDG_RUNTIME_DIR (made private by whoever set it, logind), else the /tmp fallback. */
export function runtimeDir(env: Record<string, string | undefined>, uid: number): string {
  return env.XDG_RUNTIME_DIR || fallbackRuntimeDir(uid);
}

/**
 * Why `st` (lstat of a runtime directory) is no place for `uid`'s socket and session files, or
 * undefined: it must be a directory, not a link, owned by uid, that no one else may write to.
 * Anyone may make a name in /tmp first; in a directory of someone else's, they could replace the
 * socket or plant session files that send initctl to a daemon of theirs.
 */
export function unsafeRuntimeDir(st: Pick<Stats, 'uid' | 'mode' | 'isDirectory' | 'isSymbolicLink'>, uid: number): string | undefined {
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (!st.isDirectory()) return 'it is not a directory';
  if (st.uid !== uid) return `it belongs to uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0) return `others may write to it (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/**
 * Makes `dir` with mode 0700, or takes the one there if unsafeRuntimeDir finds nothing wrong with
 * it, once group and other access is removed from it (an older upstart-ts made it 0755; a
 * group- or world-writable one is refused, since someone may have made a name in it already).
 * Throws with the reason.
 */
export function claimRuntimeDir(dir: string, uid: number): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${dir}: cannot create it: ${(err as Error).message}`, { cause: err });
  }
  const st = lstatSync(dir);
  const why = unsafeRuntimeDir(st, uid);
  if (why !== undefined) throw new Error(`${dir}: not using it for the session's socket and session file: ${why}; set XDG_RUNTIME_DIR to a directory of your own`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
