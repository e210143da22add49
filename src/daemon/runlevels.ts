// The machine's runlevels (runlevel(7)): current and previous, the runlevel event, 0 and 6 as the shutdown, one pending timed change.
import { EngineError } from '../model/engineApi.ts';
import type { PendingChange, RunlevelState } from '../control/protocol.ts';
import type { ShutdownAction } from './shutdownSequence.ts';

export interface RunlevelHost {
  /** Emits `runlevel` with this environment (RUNLEVEL, PREVLEVEL, then the caller's). */
  emit(env: string[]): void;
  /** Runlevel 0 or 6: the staged shutdown with the runlevel event first, then `action`. */
  shutdown(env: string[], action: ShutdownAction): void;
  /** utmp/wtmp RUN_LVL records (may do nothing). */
  record(runlevel: string, previous: string): void;
  log(level: 'info' | 'message' | 'warn', msg: string): void;
  now(): number;
  /** setTimeout; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

/** What an environment entry of telinit -e must look like; RUNLEVEL and PREVLEVEL are init's. */
const ENV_ENTRY = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Runlevel 0 halts or powers off as INIT_HALT says (shutdown -H / -P); -h leaves it to init: power off. */
export function actionFor(runlevel: string, env: readonly string[]): ShutdownAction | undefined {
  if (runlevel === '6') return 'reboot';
  if (runlevel !== '0') return undefined;
  const halt = env.find((e) => e.startsWith('INIT_HALT='))?.slice('INIT_HALT='.length);
  return halt === 'HALT' ? 'halt' : 'poweroff';
}

/** `s` as `S`; throws EngineError('invalid') for anything but 0-6 and S. */
export function checkRunlevel(text: string): string {
  const level = text === 's' ? 'S' : text;
  if (!/^[0-6S]$/.test(level)) throw new EngineError('invalid', `invalid runlevel: ${JSON.stringify(text)} (0-6 or S)`);
  return level;
}

/**
 * Invariants: `current`/`previous` are `N` until the first change; a change is applied once
 * (its event emitted, its records written) and from then on is the current runlevel; at most one
 * timed change is pending, and a new change (timed or not) replaces it; after 0 or 6 nothing changes.
 */
export class Runlevels {
  private current = 'N';
  private previous = 'N';
  private pending: { change: PendingChange; cancel: () => void } | undefined;
  private final = false;

  /** `restored`: the runlevel and the one before, as a re-exec hands them over. */
  constructor(restored: readonly [string, string] | undefined, private readonly host: RunlevelHost) {
    if (restored !== undefined) [this.current, this.previous] = restored;
  }

  state(): RunlevelState {
    return { runlevel: this.current, previous: this.previous, ...(this.pending ? { pending: { ...this.pending.change } } : {}) };
  }

  /** telinit N / shutdown: now, or at `at` (ms since the epoch). */
  change(runlevel: string, env: readonly string[], at?: number, message?: string): { replaced?: PendingChange } {
    const level = checkRunlevel(runlevel);
    const bad = env.find((e) => !ENV_ENTRY.test(e) || e.startsWith('RUNLEVEL=') || e.startsWith('PREVLEVEL='));
    if (bad !== undefined) throw new EngineError('invalid', `invalid environment entry for the runlevel event: ${JSON.stringify(bad)} (KEY=VALUE; RUNLEVEL and PREVLEVEL are init's)`);
    if (this.final) throw new EngineError('denied', `init is already going to runlevel ${this.current}`);
    const replaced = this.pending?.change;
    if (this.pending !== undefined) {
      this.pending.cancel();
      this.pending = undefined;
      this.host.log('message', `the pending change to runlevel ${replaced!.runlevel} at ${new Date(replaced!.at).toISOString()} is replaced`);
    }
    const delay = at === undefined ? 0 : at - this.host.now();
    if (delay > 0) {
      const change: PendingChange = { runlevel: level, env: [...env], at: at!, ...(message !== undefined ? { message } : {}) };
      this.pending = { change, cancel: this.host.after(delay, () => { this.pending = undefined; this.apply(level, env); }) };
      this.host.log('message', `runlevel ${level} at ${new Date(at!).toISOString()}${message ? `: ${message}` : ''}`);
    } else {
      this.apply(level, env);
    }
    return replaced === undefined ? {} : { replaced };
  }

  /** shutdown -c. */
  cancel(): { cancelled?: PendingChange } {
    const p = this.pending;
    if (p === undefined) return {};
    p.cancel();
    this.pending = undefined;
    this.host.log('message', `the change to runlevel ${p.change.runlevel} is cancelled`);
    return { cancelled: p.change };
  }

  private apply(level: string, env: readonly string[]): void {
    this.previous = this.current;
    this.current = level;
    const eventEnv = [`RUNLEVEL=${level}`, `PREVLEVEL=${this.previous}`, ...env];
    this.host.record(level, this.previous);
    const action = actionFor(level, env);
    if (action === undefined) {
      this.host.log('info', `runlevel ${level} (was ${this.previous})`);
      this.host.emit(eventEnv);
      return;
    }
    this.final = true;
    this.host.shutdown(eventEnv, action);
  }
}
