// The synchronous file calls cgroup and /proc code makes, as an interface: node:fs in the daemon, a fake in unit tests.
import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';

/** Each call throws an Error with node's errno `code` (EEXIST, ENOENT, EBUSY...) on failure. */
export interface Fs {
  mkdir(path: string): void;
  rmdir(path: string): void;
  readFile(path: string): string;
  /** `r+`: the file must exist (cgroup interface files); default creates it. */
  writeFile(path: string, data: string, flag?: 'r+'): void;
  /** Names of the subdirectories of a directory. */
  subdirs(path: string): string[];
  isDir(path: string): boolean;
}

export const realFs: Fs = {
  mkdir: (p) => mkdirSync(p),
  rmdir: (p) => rmdirSync(p),
  readFile: (p) => readFileSync(p, 'utf8'),
  writeFile: (p, data, flag) => writeFileSync(p, data, flag === undefined ? undefined : { flag }),
  subdirs: (p) => readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name),
  isDir: (p) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
};

/** The errno code of a thrown error, if it has one. */
export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
