// The Chromium OS `tmpfiles` stanza: systemd-tmpfiles --create on the job's tmpfiles.d files, run through the native layer.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { envGet } from '../events/envList.ts';
import { DEFAULT_PATH } from '../job/environment.ts';
import type { ExitInfo } from '../process/port.ts';

export type RunHelper = (argv: string[], env: string[]) => Promise<{ exit: ExitInfo; output: string }>;

/** The first executable `name` on PATH (a job's, or the default one), else undefined. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? DEFAULT_PATH).split(':')) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The engine's tmpfiles port: applies `paths` (tmpfiles.d files) before the job's pre-start, as
 * `systemd-tmpfiles --create PATH...` with the job's PATH. Rejects, failing the job in
 * pre-start, when the program is missing or reports an error; the message carries its output.
 */
export function tmpfilesHandler(run: RunHelper): (paths: string[], env: string[]) => Promise<void> {
  return async (paths, env) => {
    const path = envGet(env, 'PATH');
    const bin = findOnPath('systemd-tmpfiles', path);
    if (bin === undefined) throw new Error(`systemd-tmpfiles is not installed (not found on ${path ?? DEFAULT_PATH})`);
    const { exit, output } = await run([bin, '--create', ...paths], [`PATH=${path ?? DEFAULT_PATH}`]);
    if (exit.kind === 'exited' && exit.status === 0) return;
    const how = exit.kind === 'exited' ? `exited with status ${exit.status}` : `was killed by SIG${exit.signal}`;
    const said = output.trim().split('\n').slice(-5).join('; ');
    throw new Error(`systemd-tmpfiles --create ${paths.join(' ')} ${how}${said ? `: ${said}` : ''}`);
  };
}
