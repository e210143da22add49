// A system init's runlevel(7) state wired to the daemon, and where its utmp/wtmp records go.
import { Runlevels, type RunlevelHost } from './runlevels.ts';
import { appendWtmp, putUtmp, runlevelRecord } from './utmp.ts';

export interface RecordFiles {
  utmp?: string;
  wtmp?: string;
}

/** --utmp and --wtmp; by default the system's files only for the machine's own PID 1 (not a container's, not a PID namespace's). */
export function recordFiles(o: RecordFiles, machine: boolean): RecordFiles {
  const utmp = o.utmp ?? (machine ? '/var/run/utmp' : undefined);
  const wtmp = o.wtmp ?? (machine ? '/var/log/wtmp' : undefined);
  return { ...(utmp !== undefined ? { utmp } : {}), ...(wtmp !== undefined ? { wtmp } : {}) };
}

/** What the daemon gives the runlevels: the rest of RunlevelHost is the records, the clock and timers, made here. */
export type RunlevelWiring = Pick<RunlevelHost, 'emit' | 'shutdown' | 'log'>;

/** runlevel(7) state (RESTORED after a re-exec), its RUN_LVL records written to FILES; a file that cannot be written is a warning. */
export function makeRunlevels(restored: readonly [string, string] | undefined, files: RecordFiles, w: RunlevelWiring): Runlevels {
  return new Runlevels(restored, {
    ...w,
    record: (level, previous) => {
      const r = runlevelRecord(level, previous, Date.now());
      for (const [path, put] of [[files.utmp, putUtmp], [files.wtmp, appendWtmp]] as const) {
        if (path === undefined) continue;
        try {
          put(path, r);
        } catch (err) {
          w.log('warn', `cannot write the runlevel record to ${path}: ${(err as Error).message}`);
        }
      }
    },
    now: () => Date.now(),
    after: (ms, fn) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  });
}
