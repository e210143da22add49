// The jobs' PATH: the system's directories, then the directory of this daemon's own initctl (so jobs and `docker exec` find it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PATH } from '../job/environment.ts';

/** bin/ of this package: the same from src/daemon/, dist/daemon/ and dist/bundle/ (all two levels below the root). */
export function initctlDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../bin', import.meta.url));
  return existsSync(`${dir}/initctl`) ? dir : undefined;
}

/** `path` (default DEFAULT_PATH) with `dir` appended unless it is already on it. */
export function jobPath(path: string | undefined, dir: string | undefined = initctlDir()): string {
  const base = path ?? DEFAULT_PATH;
  if (dir === undefined || base.split(':').includes(dir)) return base;
  return base === '' ? dir : `${base}:${dir}`;
}
