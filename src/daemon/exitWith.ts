// --exit-with JOB: which jobs the container is "for", and the exit status once one of them stops for good (pure over journal entries).
import { signalNumber } from '../model/signals.ts';
import type { JournalEntry } from '../model/engineApi.ts';

/**
 * The --exit-with jobs: the command line's when it names any, else UPSTART_EXIT_WITH (job names
 * separated by commas or blanks), as a command line overrides the environment.
 */
export function exitWithJobs(flags: readonly string[], env: Record<string, string | undefined>): string[] {
  const list = flags.length > 0 ? [...flags] : (env.UPSTART_EXIT_WITH ?? '').split(/[\s,]+/).filter((s) => s !== '');
  return [...new Set(list)];
}

/** The daemon refuses to run: an --exit-with job that no job file defines. */
export class ExitWithError extends Error {
  readonly code = 'exit-with';
  constructor(message: string) {
    super(message);
    this.name = 'ExitWithError';
  }
}

/** The names among `jobs` that no loaded job class has, for the refusal at start. */
export function unknownExitWith(jobs: readonly string[], known: (name: string) => boolean): string[] {
  return jobs.filter((j) => !known(j));
}

/** 128 + the signal's number, as a shell reports a process killed by it (TERM → 143). */
export function signalStatus(name: string): number {
  const n = signalNumber(name);
  return n === undefined ? 128 : 128 + n;
}

/** Why the daemon is to exit with `status`: the job, instance and how its main process ended. */
export interface ExitWithResult {
  job: string;
  instance: string;
  status: number;
  /** `main process exited 7`, `main process killed by TERM`, `failed (respawn)`, … */
  how: string;
}

/**
 * Follows the journal. A job "stops for good" when its `stopped` event is emitted: a respawn
 * never reaches stopped, and a job whose respawn limit is hit does. The status is that of the
 * instance's last main process exit (its exit code, or 128+N for signal N); without one (it
 * never ran), EXIT_STATUS / EXIT_SIGNAL of the stopped event, else 1 for RESULT=failed, 0 for ok.
 */
export class ExitWithWatch {
  private readonly jobs: Set<string>;
  /** job\0instance → the last exit of its main process. */
  private readonly lastMain = new Map<string, { status?: number; signal?: string }>();

  constructor(jobs: readonly string[]) {
    this.jobs = new Set(jobs);
  }

  get active(): boolean {
    return this.jobs.size > 0;
  }

  /** Feeds one journal entry; returns the result when it is the stop of a watched job. */
  see(e: JournalEntry): ExitWithResult | undefined {
    if (e.kind === 'exit' && e.process === 'main' && this.jobs.has(e.job)) {
      this.lastMain.set(`${e.job}\0${e.instance}`, e.signal !== undefined ? { signal: e.signal } : { status: e.status ?? 0 });
      return undefined;
    }
    if (e.kind !== 'event' || e.name !== 'stopped') return undefined;
    const env = new Map(e.env.map((kv) => {
      const i = kv.indexOf('=');
      return [i < 0 ? kv : kv.slice(0, i), i < 0 ? '' : kv.slice(i + 1)] as const;
    }));
    const job = env.get('JOB');
    if (job === undefined || !this.jobs.has(job)) return undefined;
    const instance = env.get('INSTANCE') ?? '';
    const main = this.lastMain.get(`${job}\0${instance}`);
    this.lastMain.delete(`${job}\0${instance}`);
    if (main?.signal !== undefined) return { job, instance, status: signalStatus(main.signal), how: `main process killed by ${main.signal}` };
    if (main?.status !== undefined) return { job, instance, status: main.status, how: `main process exited ${main.status}` };
    const st = env.get('EXIT_STATUS');
    const sig = env.get('EXIT_SIGNAL');
    const proc = env.get('PROCESS');
    const what = proc === undefined ? 'job' : `${proc} process`;
    if (st !== undefined && /^\d+$/.test(st)) return { job, instance, status: Number(st), how: `${what} exited ${st}` };
    if (sig !== undefined) return { job, instance, status: signalStatus(sig), how: `${what} killed by ${sig}` };
    const failed = env.get('RESULT') === 'failed';
    return { job, instance, status: failed ? 1 : 0, how: failed ? `failed${proc ? ` (${proc})` : ''}` : 'stopped' };
  }
}
