// Warnings for job directories named on the command line that are missing or hold no job file (a silent 0 jobs otherwise).
import { readdirSync } from 'node:fs';
import type { DaemonOptions } from './options.ts';

/** Lists a directory's entries; throws as readdirSync does (ENOENT, ENOTDIR, EACCES). */
export type ListDir = (dir: string) => string[];

/**
 * One warning per --confdir / --prepend-confdir / --append-confdir that is missing, not a directory,
 * unreadable or without any `*.conf` (the default directories may well be absent: not warned).
 * `resolved` maps each given directory to the absolute path the daemon uses.
 */
export function confdirWarnings(o: DaemonOptions, resolved: (dir: string) => string, list: ListDir = (d) => readdirSync(d)): string[] {
  const out: string[] = [];
  const given: Array<[string, string]> = [
    ...o.prependConfdirs.map((d): [string, string] => ['--prepend-confdir', d]),
    ...o.confdirs.map((d): [string, string] => ['--confdir', d]),
    ...o.appendConfdirs.map((d): [string, string] => ['--append-confdir', d]),
  ];
  for (const [opt, dir] of given) {
    const abs = resolved(dir);
    let names: string[];
    try {
      names = list(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (err as Error).message;
      out.push(`${opt} ${abs}: ${why}; no jobs are loaded from it until it holds JOB.conf files (it is watched; check the path)`);
      continue;
    }
    if (!names.some((n) => n.endsWith('.conf'))) {
      out.push(`${opt} ${abs}: no job files (JOB.conf) there; no jobs are loaded from it until some are written (init(5))`);
    }
  }
  return out;
}
