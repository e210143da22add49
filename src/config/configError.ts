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
  /** A stanza of ours that Upstart 1.13 does not know (`action`): the file would not load there (a warning). */
  | 'upstart-extension'
  | 'bad-action'
  | 'unreadable'
  | 'dangling-link'
  | 'not-regular-file'
  /** A NUL byte outside a comment: it can never reach exec, env, chdir, chroot or tmpfiles. */
  | 'nul-byte'
  /** A stanza of ours (init-checkconf's warning): Upstart 1.13's init would reject the file. */
  | 'extension'
  /** The summary after MAX_ERRORS_PER_FILE errors of one file: how many more were found. */
  | 'too-many-errors';

/** Errors reported per file; the rest are counted in one `too-many-errors` line (a broken file must not flood the log). */
export const MAX_ERRORS_PER_FILE = 10;
/** A quoted token longer than this is cut in messages (its length is said instead). */
export const MAX_QUOTED = 80;
/** Longest message; past it the middle is cut. */
export const MAX_MESSAGE = 1000;

/** Cuts quoted tokens longer than MAX_QUOTED and the whole message to MAX_MESSAGE characters. */
export function shortenMessage(message: string): string {
  let m = message.replace(/'([^'\n]{81,})'/g, (_all, tok: string) => `'${tok.slice(0, MAX_QUOTED)}…' (${tok.length} characters)`);
  if (m.length > MAX_MESSAGE) m = `${m.slice(0, MAX_MESSAGE - 200)} … [${m.length - MAX_MESSAGE + 200} characters cut] … ${m.slice(-180)}`;
  return m;
}

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
    super(shortenMessage(message));
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

/** The first MAX_ERRORS_PER_FILE errors of one file's list, then one line counting the rest. */
export function capErrors(errors: ConfigError[], file: string, what: 'error' | 'warning' = 'error'): ConfigError[] {
  if (errors.length <= MAX_ERRORS_PER_FILE) return errors;
  const rest = errors.slice(MAX_ERRORS_PER_FILE);
  const first = rest[0]!;
  const kept = errors.slice(0, MAX_ERRORS_PER_FILE);
  kept.push(new ConfigError('too-many-errors', file, first.line, first.column,
    `${rest.length} more ${what}${rest.length === 1 ? '' : 's'} in this file not shown (the first of them here); fix the ones above and check again`));
  return kept;
}
