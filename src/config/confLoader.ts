// Conf directory loading: recursive search, .override merging, first directory wins (the I/O edge of config/).
import { promises as fsp, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { JobClassSpec } from '../model/jobClass.ts';
import { compareErrors, ConfigError } from './configError.ts';
import { parseJob } from './parser.ts';

export interface LoadResult {
  classes: Map<string, JobClassSpec>;
  errors: ConfigError[];
}

/** What one scan found: job files by name (first directory wins), and every directory visited. */
export interface ScanResult {
  /** name → { conf path, override path (first one found in a directory at or before the conf's) }. */
  jobs: Map<string, { conf: string; override?: string }>;
  errors: ConfigError[];
  /** Real paths of every directory walked (for the watcher). */
  dirs: string[];
}

interface Found {
  conf: Map<string, string>;
  override: Map<string, string>;
}

const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';

/** Editors' lock, backup and swap files are not jobs: `.#foo.conf`, `.foo.conf.swp`, `foo.conf~`. */
function ignored(name: string): boolean {
  return name.startsWith('.');
}

async function walk(root: string, rel: string, found: Found, errors: ConfigError[], dirs: string[], seenDirs: Set<string>): Promise<void> {
  const dir = rel === '' ? root : join(root, rel);
  let entries: Dirent[];
  try {
    const real = await fsp.realpath(dir);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    dirs.push(dir);
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = errnoOf(e);
    if (rel === '' && code === 'ENOENT') return; // a configured directory that does not exist holds no jobs
    errors.push(new ConfigError('unreadable', dir, 0, 0, `cannot read directory (${code})`));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const ent of entries) {
    if (ignored(ent.name)) continue;
    const relPath = rel === '' ? ent.name : `${rel}/${ent.name}`;
    const path = join(root, relPath);
    const isConf = ent.name.endsWith('.conf');
    const isOverride = ent.name.endsWith('.override');
    let kind: 'dir' | 'file' | 'other' = ent.isDirectory() ? 'dir' : ent.isFile() ? 'file' : 'other';
    if (ent.isSymbolicLink()) {
      try {
        const st = await fsp.stat(path);
        kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      } catch (e) {
        if (isConf || isOverride) {
          const code = errnoOf(e);
          const what = code === 'ENOENT' ? 'dangling-link' : 'unreadable';
          errors.push(new ConfigError(what, path, 0, 0, code === 'ENOENT' ? 'dangling symbolic link: its target does not exist' : `cannot follow symbolic link (${code})`));
        }
        continue;
      }
    }
    if (kind === 'dir') {
      await walk(root, relPath, found, errors, dirs, seenDirs);
    } else if (isConf || isOverride) {
      if (kind === 'other') {
        errors.push(new ConfigError('not-regular-file', path, 0, 0, 'not a regular file, so not read as a job'));
        continue;
      }
      const name = relPath.slice(0, relPath.length - (isConf ? 5 : 9));
      if (name === '' || name.endsWith('/')) continue;
      (isConf ? found.conf : found.override).set(name, path);
    }
  }
}

/** Finds every job file under `dirs` without reading them. */
export async function scanConfDirs(dirs: string[]): Promise<ScanResult> {
  const errors: ConfigError[] = [];
  const walked: string[] = [];
  const seenDirs = new Set<string>();
  const perDir: Found[] = [];
  for (const d of dirs) {
    const found: Found = { conf: new Map(), override: new Map() };
    await walk(d, '', found, errors, walked, seenDirs);
    perDir.push(found);
  }
  const jobs = new Map<string, { conf: string; override?: string }>();
  perDir.forEach((found, i) => {
    for (const [name, conf] of found.conf) {
      if (jobs.has(name)) continue; // the first directory owns the name
      let override: string | undefined;
      for (let j = 0; j <= i && override === undefined; j++) override = perDir[j]?.override.get(name);
      jobs.set(name, override === undefined ? { conf } : { conf, override });
    }
  });
  return { jobs, errors, dirs: walked };
}

async function readText(path: string, errors: ConfigError[]): Promise<string | undefined> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch (e) {
    const code = errnoOf(e);
    errors.push(new ConfigError(code === 'ENOENT' ? 'dangling-link' : 'unreadable', path, 0, 0, code === 'ENOENT' ? 'the file disappeared while being read' : `cannot read file (${code})`));
    return undefined;
  }
}

/** Parses one job from its conf (and override) file; an invalid override is reported and ignored. */
export async function loadJob(name: string, files: { conf: string; override?: string }, errors: ConfigError[]): Promise<JobClassSpec | undefined> {
  const text = await readText(files.conf, errors);
  if (text === undefined) return undefined;
  const r = parseJob(text, { file: files.conf, name });
  errors.push(...r.errors);
  if (r.spec === undefined || files.override === undefined) return r.spec;
  const otext = await readText(files.override, errors);
  if (otext === undefined) return r.spec;
  const o = parseJob(otext, { file: files.override, name, base: r.spec });
  errors.push(...o.errors);
  return o.spec ?? r.spec;
}

/** loadConfDirs plus the directories walked (for the watcher). */
export async function loadConfDirsDetailed(dirs: string[]): Promise<LoadResult & { dirs: string[] }> {
  const scan = await scanConfDirs(dirs);
  const errors = scan.errors;
  const classes = new Map<string, JobClassSpec>();
  const names = [...scan.jobs.keys()].sort();
  const specs = await Promise.all(names.map((n) => {
    const files = scan.jobs.get(n);
    return files === undefined ? undefined : loadJob(n, files, errors);
  }));
  names.forEach((n, i) => {
    const s = specs[i];
    if (s !== undefined) classes.set(n, s);
  });
  errors.sort(compareErrors);
  return { classes, errors, dirs: scan.dirs };
}

/**
 * Loads every job under `dirs` (in order; the first directory holding a name owns it). Never
 * rejects for a bad file: unreadable files, dangling links and parse errors come back in `errors`.
 */
export async function loadConfDirs(dirs: string[]): Promise<LoadResult> {
  const { classes, errors } = await loadConfDirsDetailed(dirs);
  return { classes, errors };
}
