// The file bridge: watches (inotify, through fs.watch) what the jobs' `file` conditions name and emits `file` events over the control socket.
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseJob } from '../config/parser.ts';
import type { Condition } from '../model/condition.ts';
import type { ConfigSummary } from '../control/protocol.ts';
import { dirsOf, eventFor, watchesOf, watchKey, type FileEventType, type FileWatch } from './fileWatches.ts';

/** What the bridge needs of the daemon: emit (DaemonLink provides it; the job list comes in through update). */
export interface BridgeDaemon {
  /** Whether init can be reached now (not while it re-executes or restarts). */
  readonly connected: boolean;
  emit(name: string, env: string[], o: { wait: boolean }): Promise<void>;
}

export interface FileBridgeOptions {
  daemon: BridgeDaemon;
  /** --user: relative FILE values are below this home directory. */
  home?: string;
  /** How soon a directory that is needed but missing (with its parent) is looked for again (ms; default 2000); no timer runs otherwise. */
  retryMs?: number;
  log(level: 'debug' | 'warn', msg: string): void;
}

/** The `start on` and `stop on` conditions of a show-config summary, parsed back from their text. */
export function conditionsOf(s: ConfigSummary): Condition[] {
  const text = `${s.start !== undefined ? `start on ${s.start}\n` : ''}${s.stop !== undefined ? `stop on ${s.stop}\n` : ''}`;
  if (text === '') return [];
  const r = parseJob(text, { file: `${s.name} (show-config)`, name: s.name });
  if (r.spec === undefined) throw new Error(r.errors.map((e) => e.message).join('; '));
  return [r.spec.start, r.spec.stop].filter((c): c is Condition => c !== undefined);
}

/**
 * Invariants: `watches` holds the watches of the last job list; `dirs` one fs.watch per directory
 * some watch needs that exists (a missing one is tried again at each refresh); an event is emitted
 * once per change per watch that it concerns (multi-shot, as file-event(7) says).
 */
export class FileBridge {
  private watches = new Map<string, FileWatch>();
  private readonly dirs = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Events not sent since init went away (logged once it is back). */
  private lostWhileAway = 0;

  constructor(private readonly o: FileBridgeOptions) {}

  /** Watches now in force (for tests and --debug). */
  current(): FileWatch[] {
    return [...this.watches.values()];
  }

  /** The job list (watch-config): starts and stops watches to match it; emits `create` for what a new watch finds already there. */
  update(summaries: ConfigSummary[]): void {
    if (this.closed) return;
    const conds = summaries.flatMap((s) => {
      try {
        return conditionsOf(s);
      } catch (err) {
        this.o.log('warn', `${s.name}: cannot read its conditions: ${(err as Error).message}`);
        return [];
      }
    });
    const next = new Map(watchesOf(conds, this.o.home, (file, why) => this.o.log('warn', `not watching ${file}: ${why}`)).map((w) => [watchKey(w), w]));
    const added = [...next.values()].filter((w) => !this.watches.has(watchKey(w)));
    this.watches = next;
    this.syncDirs();
    for (const w of added) {
      this.o.log('debug', `watching ${w.file}${w.event !== undefined ? ` (EVENT=${w.event})` : ''}`);
      this.announceExisting(w);
    }
  }

  /** file-event(7): what a new watch's FILE already names counts as created (when EVENT is create or not given). */
  private announceExisting(w: FileWatch): void {
    if (w.event !== undefined && w.event !== 'create') return;
    if (w.kind === 'glob') {
      let entries: string[];
      try {
        entries = readdirSync(dirname(w.path));
      } catch {
        return;
      }
      for (const e of entries.sort()) {
        const env = eventFor(w, dirname(w.path), e, 'create');
        if (env) this.emit(env);
      }
      return;
    }
    if (existsSync(w.path)) this.emit([`FILE=${w.file}`, 'EVENT=create']);
  }

  /** One fs.watch per needed directory that exists; those no longer needed are closed. */
  private syncDirs(): void {
    const needed = new Set([...this.watches.values()].flatMap(dirsOf));
    for (const [dir, fw] of this.dirs) {
      if (!needed.has(dir)) {
        fw.close();
        this.dirs.delete(dir);
      }
    }
    for (const dir of needed) {
      if (this.dirs.has(dir)) continue;
      try {
        const fw = watch(dir, { persistent: true }, (type, name) => {
          if (name !== null) this.onChange(dir, String(name), type);
        });
        fw.on('error', () => {
          // The directory went away: forget it; watched again once it is back (its parent's create, or the retry).
          fw.close();
          this.dirs.delete(dir);
          this.syncDirs();
        });
        this.dirs.set(dir, fw);
      } catch {
        // Not there (yet): its parent's watch sees it appear; if the parent is missing too, the retry timer looks again.
      }
    }
    this.armRetry(needed);
  }

  /** One timer, only while a needed directory is missing and so is its parent (nothing would tell us it appeared). */
  private armRetry(needed: Set<string>): void {
    const blind = [...needed].some((d) => !this.dirs.has(d) && !this.dirs.has(dirname(d)));
    if (!blind || this.closed) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.syncDirs();
    }, this.o.retryMs ?? 2000);
  }

  private onChange(dir: string, entry: string, fsType: string): void {
    const type: FileEventType = fsType === 'change' ? 'modify' : existsSync(join(dir, entry)) ? 'create' : 'delete';
    for (const w of this.watches.values()) {
      const env = eventFor(w, dir, entry, type);
      if (env) this.emit(env);
    }
    // A directory some watch lives in has just appeared: watch it now rather than at the next refresh.
    if (type === 'create' && [...this.watches.values()].some((w) => dirsOf(w).includes(join(dir, entry)))) this.syncDirs();
  }

  private emit(env: string[]): void {
    if (!this.o.daemon.connected) {
      // Nothing queues them: init may be gone for good, and a late event would be a lie about when it happened.
      if (this.lostWhileAway++ === 0) this.o.log('warn', `init is not connected: file ${env.join(' ')} is lost, as is every file event until init is back`);
      return;
    }
    this.o.log('debug', `emit file ${env.join(' ')}`);
    this.o.daemon.emit('file', env, { wait: false }).catch((err: Error) => this.o.log('warn', `cannot emit file ${env.join(' ')}: ${err.message} (the event is lost)`));
  }

  /** The connection to init is back: says how many events were lost meanwhile. */
  reconnected(): void {
    if (this.lostWhileAway > 0) this.o.log('warn', `${this.lostWhileAway} file event(s) lost while init was not connected`);
    this.lostWhileAway = 0;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const fw of this.dirs.values()) fw.close();
    this.dirs.clear();
  }
}

