// OutputSink: where the process adapter hands a job process's output (the pty master) for logging.

/** Identifies whose output this is; the log file is LOGDIR/JOB.log or LOGDIR/JOB-INSTANCE.log. */
export interface OutputSource {
  job: string;
  instance: string;
}

export interface OutputSink {
  /**
   * Takes ownership of `fd` (a pty master or the read end of a pipe, already non-blocking and
   * close-on-exec) and copies everything read from it to the job's log. The returned promise
   * resolves once end of file (or EIO, a pty whose slave side is closed everywhere) has been
   * seen and every byte read has been handed to the log writer, so the process adapter can hold
   * back a job's exit until its last output is in the log. The sink closes fd.
   */
  attach(source: OutputSource, fd: number): Promise<void>;
}

/** What became of one job instance's output so far (`initctl status --json`). */
export interface OutputStats {
  /** Bytes of the job's output written to its log file. */
  bytesWritten: number;
  /** Bytes lost: the oldest bytes shed from a full buffer while the log could not be written. */
  bytesDropped: number;
  /** Bytes held in memory now (waiting for the disk, or for a write in progress). */
  buffered: number;
}

/** The daemon's own log as the output loggers use it (DaemonLog fits). */
export interface DiagnosticLogger {
  info(message: string): void;
  warn(message: string): void;
}
