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
