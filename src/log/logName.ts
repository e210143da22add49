// The journal file's name beside the job logs (job log names are logName in model/instanceRef.ts).

/** The journal file kept next to the job logs. */
export const JOURNAL_FILE_NAME = 'upstart-events.jsonl';
