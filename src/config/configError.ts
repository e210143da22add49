// ConfigError: a problem in a job file, as a value carrying file, line, column and a stable code.

/** Stable codes; callers and tests match on these, never on message text. */
export type ConfigErrorCode =
  | 'unknown-stanza'
  | 'missing-argument'
  | 'unexpected-argument'
  | 'unterminated-quote'
  | 'trailing-backslash'
  | 'unterminated-script'
  | 'unexpected-end-script'
  | 'unbalanced-paren'
  | 'bad-condition'
  | 'bad-signal'
  | 'bad-umask'
  | 'bad-nice'
  | 'bad-oom'
  | 'bad-number'
  | 'bad-exit-status'
  | 'bad-console'
  | 'bad-env'
  | 'bad-argument'
  | 'bad-expect'
  | 'unknown-rlimit'
  | 'bad-limit'
  | 'process-redefined'
  | 'unreadable'
  | 'dangling-link'
  | 'not-regular-file';

/**
 * `line` and `column` are 1-based. A problem with the file as a whole (unreadable, dangling
 * link) has line 0 and column 0 and formats as `FILE: message`.
 */
export class ConfigError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: ConfigErrorCode;

  constructor(code: ConfigErrorCode, file: string, line: number, column: number, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
    this.file = file;
    this.line = line;
    this.column = column;
  }

  /** `FILE:LINE:COL: message` (or `FILE: message` for a whole-file problem). */
  format(): string {
    return this.line > 0 ? `${this.file}:${this.line}:${this.column}: ${this.message}` : `${this.file}: ${this.message}`;
  }

  override toString(): string {
    return this.format();
  }

  toJSON(): { file: string; line: number; column: number; code: ConfigErrorCode; message: string } {
    return { file: this.file, line: this.line, column: this.column, code: this.code, message: this.message };
  }
}

/** Orders errors by file, then position (stable output for tools and tests). */
export function compareErrors(a: ConfigError, b: ConfigError): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}
