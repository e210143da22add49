// `initctl install-aliases DIR`: initctl, start, stop, restart, reload and status as symlinks to the client.
import { lstatSync, mkdirSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The alias names plus initctl itself (DIR on PATH then gives the client with no wrapper in between). */
export const LINK_NAMES = ['initctl', 'start', 'stop', 'restart', 'reload', 'status'] as const;

/**
 * Makes DIR/NAME → target for every name in LINK_NAMES, atomically (symlink to NAME.new, rename). An existing
 * symlink is replaced; anything else at that name is left alone and reported. Returns the messages.
 */
export function installAliases(dir: string, target: string): { errors: string[] } {
  const errors: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (const name of LINK_NAMES) {
    const path = join(dir, name);
    try {
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (st !== undefined && !st.isSymbolicLink()) {
        errors.push(`${path} exists and is not a symbolic link; left alone`);
        continue;
      }
      const tmp = `${path}.new`;
      try {
        unlinkSync(tmp);
      } catch {
        // No leftover.
      }
      symlinkSync(target, tmp);
      renameSync(tmp, path);
    } catch (err) {
      errors.push(`${path}: ${(err as Error).message}`);
    }
  }
  return { errors };
}
