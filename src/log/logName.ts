// Job log file names: JOB.log or JOB-INSTANCE.log with every '/' replaced by '_', as Upstart's init(5) says.

/**
 * The log file name (not path) for a job instance: `foo/bar` instance `wibble` → `foo_bar-wibble.log`.
 * An instance of '' (a job without `instance`) gives `JOB.log`. Every '/' in the whole name becomes
 * '_', so the log directory stays flat and an instance like `/dev/ttyS0` cannot escape it.
 */
export function logFileName(job: string, instance: string): string {
  const base = instance === '' ? job : `${job}-${instance}`;
  return `${base.replaceAll('/', '_')}.log`;
}

/** The journal file kept next to the job logs. */
export const JOURNAL_FILE_NAME = 'upstart-events.jsonl';
