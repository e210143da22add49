// `initctl install-aliases DIR`: initctl, start, stop, restart, reload and status as symlinks to the client; upstart-rc, service and the machine commands to theirs.
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The alias names plus initctl itself (DIR on PATH then gives the client with no wrapper in between). */
export const LINK_NAMES = ['initctl', 'start', 'stop', 'restart', 'reload', 'status'] as const;

/** The machine commands (docs/machine.md), linked to their bin/ entries beside the client where those exist. */
export const MACHINE_LINK_NAMES = ['shutdown', 'reboot', 'halt', 'poweroff', 'telinit', 'runlevel'] as const;

/**
 * Makes DIR/NAME → target for every name in LINK_NAMES, atomically (symlink to NAME.new, rename). An existing
 * symlink is replaced; anything else at that name is left alone and reported. Returns the messages.
 */
export function installAliases(dir: string, target: string, programs?: { rc: string; service: string; path: string }): { errors: string[]; notes: string[] } {
  const errors: string[] = [];
  const notes: string[] = [];
  mkdirSync(dir, { recursive: true });
  const links: Array<[string, string]> = LINK_NAMES.map((n) => [n, target]);
  if (programs !== undefined) {
    links.push(['upstart-rc', programs.rc]);
    const svc = serviceLink(dir, programs.service, programs.path);
    if ('error' in svc) errors.push(svc.error);
    else {
      if (svc.note !== undefined) notes.push(svc.note);
      links.push(['service', programs.service]);
    }
  }
  for (const n of MACHINE_LINK_NAMES) if (existsSync(join(dirname(target), n))) links.push([n, join(dirname(target), n)]);
  for (const [name, to] of links) {
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
      symlinkSync(to, tmp);
      renameSync(tmp, path);
    } catch (err) {
      errors.push(`${path}: ${(err as Error).message}`);
    }
  }
  return { errors, notes };
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * DIR/service → upstart-service, never silently over the distribution's (as the C client): a symlink in DIR
 * to another service is left alone; another service on PATH is named in a note.
 */
function serviceLink(dir: string, target: string, pathVar: string): { error: string } | { note?: string } {
  const path = join(dir, 'service');
  try {
    const old = readlinkSync(path);
    if (basename(old) !== 'upstart-service') return { error: `${path} links to ${old}, not upstart-service; left alone` };
  } catch {
    // None, or not a link (the general rule reports that).
  }
  const real = (p: string): string => { try { return realpathSync(p); } catch { return p; } };
  for (const d of pathVar.split(':').filter((x) => x !== '')) {
    if (real(d) === real(dir)) continue;
    const other = join(d, 'service');
    if (!isExecutable(other) || real(other) === real(target)) continue;
    return { note: `note: ${dir}/service is upstart-service now; ${other} stays, and answers where it comes first on PATH` };
  }
  return {};
}
