// watchConfDirs: notices job files added, edited, deleted or renamed under the conf dirs and reports the difference, debounced.
import { quickDigest } from '../model/digest.ts';
import { watch, promises as fsp, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { JobClassSpec } from '../model/jobClass.ts';
import { loadConfDirsDetailed, type LoadResult } from './confLoader.ts';
import type { ConfigError } from './configError.ts';
import { jobToJson } from './jobJson.ts';

/** What changed since the previous load; only non-empty changes are reported. */
export interface ConfChange {
  added: JobClassSpec[];
  changed: JobClassSpec[];
  removed: string[];
  /** Problems not present in the previous load (a file that broke, a new dangling link, ...). */
  errors: ConfigError[];
}

export interface ConfWatcher {
  close(): void;
  /**
   * Resolves with the first load (the baseline later changes are compared with), so a caller
   * needs no load of its own at start; empty if the watcher was closed first.
   */
  ready: Promise<LoadResult>;
}

export interface WatchOptions {
  /** Quiet time after the last file-system notification before reloading; default 100 ms. */
  debounceMs?: number;
  /** Receives an exception thrown by onChange; without it the exception is rethrown. */
  onError?: (err: unknown) => void;
}

/**
 * Watches every directory under `dirs` (inotify through fs.watch, one watcher per directory, kept
 * in step as directories come and go; a configured directory that does not exist yet is watched
 * through its nearest existing parent). Each burst of notifications leads to one reload, compared
 * job by job with the previous one, so an editor's write-to-temp-then-rename is one change and an
 * untouched file is never reported.
 */
export function watchConfDirs(dirs: string[], onChange: (change: ConfChange) => void, opts: WatchOptions = {}): ConfWatcher {
  const debounceMs = opts.debounceMs ?? 100;
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let prev = new Map<string, string>();
  let prevErrors = new Set<string>();
  let resolveReady!: (first: LoadResult) => void;
  const ready = new Promise<LoadResult>((r) => { resolveReady = r; });
  let first: LoadResult = { classes: new Map(), errors: [] };

  const schedule = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void run(false);
    }, debounceMs);
  };

  /** Brings the set of watched directories to `want`; true if any new one was added. */
  const syncWatchers = (want: Set<string>): boolean => {
    let added = false;
    for (const [p, w] of watchers) {
      if (!want.has(p)) {
        w.close();
        watchers.delete(p);
      }
    }
    for (const p of want) {
      if (watchers.has(p)) continue;
      try {
        const w = watch(p, { persistent: true }, () => schedule());
        w.on('error', () => {
          w.close();
          if (watchers.get(p) === w) watchers.delete(p);
          schedule();
        });
        watchers.set(p, w);
        added = true;
      } catch {
        // Gone between the scan and now; the next scan sees it.
      }
    }
    return added;
  };

  const targets = async (walked: string[]): Promise<Set<string>> => {
    const want = new Set(walked.map((d) => resolve(d)));
    for (const d of dirs) {
      let p = resolve(d);
      if (want.has(p)) continue;
      // Not there (yet): watch the nearest parent that exists, to notice it being created.
      for (;;) {
        const parent = dirname(p);
        if (parent === p) break;
        p = parent;
        try {
          if ((await fsp.stat(p)).isDirectory()) {
            want.add(p);
            break;
          }
        } catch {
          // keep climbing
        }
      }
    }
    return want;
  };

  /** The configured directories that exist now. */
  const existing = async (ds: string[]): Promise<Set<string>> => {
    const out = new Set<string>();
    for (const d of ds) {
      try {
        if ((await fsp.stat(d)).isDirectory()) out.add(resolve(d));
      } catch {
        // not there (yet): targets() watches its parent after the scan
      }
    }
    return out;
  };

  const run = async (initial: boolean): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    let change: ConfChange | undefined;
    try {
      // The configured directories are watched before the first scan, so a file written into one during it is
      // noticed; only directories the scan finds (subdirectories, parents of missing ones) need the look again.
      if (initial) syncWatchers(await existing(dirs));
      const r = await loadConfDirsDetailed(dirs);
      if (closed) return;
      if (initial) first = { classes: r.classes, errors: r.errors };
      // New directories may have received files before their watcher existed: look again.
      if (syncWatchers(await targets(r.dirs))) again = true;
      const next = new Map<string, string>();
      // A digest of each class as JSON, not the JSON itself (about 1 KiB a class kept for nothing else); not
      // node:crypto's, whose loading costs 2 MiB of RSS (src/model/digest.ts).
      for (const [name, spec] of r.classes) next.set(name, quickDigest(JSON.stringify(jobToJson(spec))));
      const errKeys = new Set(r.errors.map((e) => `${e.code} ${e.format()}`));
      if (!initial) {
        const c: ConfChange = { added: [], changed: [], removed: [], errors: [] };
        for (const [name, spec] of r.classes) {
          const before = prev.get(name);
          if (before === undefined) c.added.push(spec);
          else if (before !== next.get(name)) c.changed.push(spec);
        }
        for (const name of prev.keys()) if (!next.has(name)) c.removed.push(name);
        c.errors = r.errors.filter((e) => !prevErrors.has(`${e.code} ${e.format()}`));
        if (c.added.length + c.changed.length + c.removed.length + c.errors.length > 0) change = c;
      }
      prev = next;
      prevErrors = errKeys;
    } finally {
      running = false;
      if (initial) resolveReady(first);
      // Catch anything written between the scan and the watchers being in place (after the quiet time, so
      // a first look does not compete with the start-up it just enabled).
      if (again && !closed) {
        again = false;
        schedule();
      }
    }
    if (change !== undefined && !closed) {
      try {
        onChange(change);
      } catch (err) {
        if (opts.onError === undefined) throw err;
        opts.onError(err);
      }
    }
  };

  void run(true);

  return {
    ready,
    close(): void {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const w of watchers.values()) w.close();
      watchers.clear();
      resolveReady(first);
    },
  };
}
