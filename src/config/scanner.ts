// Scanner: the job-file lexer (init(5) blanks, comments, quotes, continuation, script blocks); hand-written, linear.
import { ConfigError, type ConfigErrorCode } from './configError.ts';

/**
 * One argument as written. `value` has quotes removed and escapes applied; `quoted` says whether
 * any part was quoted (a quoted `and` is a value, not an operator); `eq` is the index in `value`
 * of its first `=`, quoted or not (-1 if none).
 */
export interface Token {
  kind: 'word' | 'open' | 'close';
  value: string;
  line: number;
  column: number;
  quoted: boolean;
  eq: number;
}

/** Thrown inside the parser to abandon the current stanza after its error has been recorded. */
export class StanzaAbort {
  readonly abort = true;
}

const SPACE = 32, TAB = 9, CR = 13, NL = 10, HASH = 35, BSLASH = 92, DQUOTE = 34, SQUOTE = 39;
const OPEN = 40, CLOSE = 41;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

export class Scanner {
  readonly text: string;
  readonly file: string;
  readonly errors: ConfigError[];
  /** Problems that do not stop the job from loading (init-checkconf prints them). */
  readonly warnings: ConfigError[] = [];
  private pos = 0;
  line = 1;
  private lineStart = 0;

  constructor(text: string, file: string, errors: ConfigError[]) {
    this.text = text;
    this.file = file;
    this.errors = errors;
  }

  column(): number {
    return this.pos - this.lineStart + 1;
  }

  /** Records an error and abandons the current stanza. */
  fail(code: ConfigErrorCode, line: number, column: number, message: string): never {
    this.errors.push(new ConfigError(code, this.file, line, column, message));
    throw new StanzaAbort();
  }

  /** Records a warning: the stanza still applies. */
  warn(code: ConfigErrorCode, line: number, column: number, message: string): void {
    this.warnings.push(new ConfigError(code, this.file, line, column, message));
  }

  /** Records an error without abandoning the stanza. */
  report(code: ConfigErrorCode, line: number, column: number, message: string): void {
    this.errors.push(new ConfigError(code, this.file, line, column, message));
  }

  private newline(): void {
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  /** Moves to the start of the next stanza, past blank lines and comments; false at end of file. */
  nextStanza(): boolean {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (isBlank(c)) this.pos++;
      else if (c === NL) this.newline();
      else if (c === HASH) this.skipComment();
      else if (c === BSLASH && t.charCodeAt(this.pos + 1) === NL) {
        this.pos++;
        this.newline();
      } else return true;
    }
    return false;
  }

  private skipComment(): void {
    const end = this.text.indexOf('\n', this.pos);
    this.pos = end < 0 ? this.text.length : end;
  }

  /** Skips blanks and backslash-newline continuations; with `multiline`, also newlines and comments. */
  skipBlanks(multiline: boolean): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (isBlank(c)) this.pos++;
      else if (c === BSLASH && t.charCodeAt(this.pos + 1) === NL) {
        this.pos++;
        this.newline();
      } else if (multiline && c === NL) this.newline();
      else if (multiline && c === HASH) this.skipComment();
      else return;
    }
  }

  /** True when only blanks and a comment remain on the logical line. */
  atLineEnd(): boolean {
    this.skipBlanks(false);
    if (this.pos >= this.text.length) return true;
    const c = this.text.charCodeAt(this.pos);
    return c === NL || c === HASH;
  }

  /** Consumes a trailing comment and the newline ending the logical line. */
  endLine(): void {
    this.skipBlanks(false);
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) === HASH) this.skipComment();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) === NL) this.newline();
  }

  /** Error recovery: drops whatever is left of the logical line. */
  skipLine(): void {
    try {
      while (this.readToken(false) !== undefined) { /* drop */ }
    } catch (e) {
      if (!(e instanceof StanzaAbort)) throw e;
      this.pos = this.text.length;
    }
    this.endLine();
  }

  /**
   * Reads the next argument on the logical line, or undefined at its end. With `parens`, `(` and
   * `)` outside quotes are tokens of their own; with `multiline`, newlines and comments are blanks.
   * An argument is dequoted (libnih's rules, see scanWord).
   */
  readToken(parens: boolean, multiline = false): Token | undefined {
    this.skipBlanks(multiline);
    const t = this.text;
    if (this.pos >= t.length) return undefined;
    const first = t.charCodeAt(this.pos);
    if (first === NL || first === HASH) return undefined;
    const line = this.line;
    const column = this.column();
    if (parens && (first === OPEN || first === CLOSE)) {
      this.pos++;
      return { kind: first === OPEN ? 'open' : 'close', value: first === OPEN ? '(' : ')', line, column, quoted: false, eq: -1 };
    }
    const w = this.scanWord(true, parens);
    return { kind: 'word', value: w.value, line, column, quoted: w.quoted, eq: w.eq };
  }

  /**
   * The job-file tokenizer (libnih's, as Upstart uses it everywhere in a job file). A word runs to
   * an unquoted, unescaped stop: `#` or a newline, and for an argument (`arg`) also a blank (and
   * `(` `)` with `parens`). Inside it:
   * - a run of blanks that holds a newline (a backslash-newline anywhere, or a plain newline
   *   inside quotes) becomes one space; other blanks inside the word (quoted ones, or any in a
   *   command) are kept as written; blanks at the end are dropped;
   * - a backslash before a blank or a backslash escapes it: an argument gets the character alone,
   *   a command keeps both; a backslash before anything else is kept with it (`\$`, `\"`), and
   *   the character it escapes is never a stop or a quote;
   * - quotes protect stops and blanks; an argument loses them, a command keeps them.
   * Errors: an unterminated quote, a backslash at the very end of the file.
   */
  private scanWord(arg: boolean, parens: boolean): { value: string; quoted: boolean; eq: number } {
    const t = this.text;
    let out = '';
    let quote = 0;
    let quoteLine = 0;
    let quoteColumn = 0;
    let quoted = false;
    let blankFrom = -1;
    let blankHasNewline = false;
    const flush = (): void => {
      if (blankFrom < 0) return;
      out += blankHasNewline ? ' ' : t.slice(blankFrom, this.pos);
      blankFrom = -1;
      blankHasNewline = false;
    };
    const blank = (): void => {
      if (blankFrom < 0) blankFrom = this.pos;
    };
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === BSLASH) {
        if (this.pos + 1 >= t.length) {
          const column = this.column();
          this.pos = t.length;
          this.fail('trailing-backslash', this.line, column, 'trailing backslash: expected a character or a newline after \\, found the end of the file');
        }
        const n = t.charCodeAt(this.pos + 1);
        if (n === NL) {
          blank();
          blankHasNewline = true;
          this.pos++;
          this.newline();
          continue;
        }
        flush();
        out += arg && (n === BSLASH || isBlank(n)) ? t[this.pos + 1] : t.slice(this.pos, this.pos + 2);
        this.pos += 2;
        continue;
      }
      if (quote !== 0) {
        if (c === NL) {
          blank();
          blankHasNewline = true;
          this.newline();
          continue;
        }
        if (isBlank(c)) {
          blank();
          this.pos++;
          continue;
        }
        flush();
        if (c === quote) {
          quote = 0;
          if (!arg) out += t[this.pos];
        } else {
          out += t[this.pos];
        }
        this.pos++;
        continue;
      }
      if (c === DQUOTE || c === SQUOTE) {
        flush();
        quote = c;
        quoted = true;
        quoteLine = this.line;
        quoteColumn = this.column();
        if (!arg) out += t[this.pos];
        this.pos++;
        continue;
      }
      if (c === NL || c === HASH) break;
      if (isBlank(c)) {
        if (arg) break;
        blank();
        this.pos++;
        continue;
      }
      if (parens && (c === OPEN || c === CLOSE)) break;
      flush();
      out += t[this.pos];
      this.pos++;
    }
    if (quote !== 0) {
      const q = quote === DQUOTE ? '"' : "'";
      this.fail('unterminated-quote', quoteLine, quoteColumn, `unterminated quote: expected a closing ${q} for the ${q} opened here, found the end of the file`);
    }
    // As Upstart: a KEY=VALUE is told by an `=` anywhere in the dequoted word ("A=b c" is one).
    return { value: out, quoted, eq: out.indexOf('=') };
  }

  /** Every token of a condition: to the end of the logical line, and across lines while a `(` is open. */
  readConditionTokens(): Token[] {
    const out: Token[] = [];
    const opens: Token[] = [];
    for (;;) {
      const tok = this.readToken(true, opens.length > 0);
      if (tok === undefined) break;
      out.push(tok);
      if (tok.kind === 'open') opens.push(tok);
      else if (tok.kind === 'close' && opens.length > 0) opens.pop();
    }
    const open = opens[opens.length - 1];
    if (open !== undefined && this.pos >= this.text.length) {
      // Reported where the end was found (as Upstart counts lines), naming where the '(' is.
      this.fail('unbalanced-paren', this.line, this.column(), `unbalanced parenthesis: expected ')' to close the '(' at line ${open.line} column ${open.column}, found the end of the file`);
    }
    return out;
  }

  /**
   * The rest of the logical line as a command: quotes and backslashes kept, up to an unquoted `#`
   * or the end of the line, each newline (escaped, or inside quotes) with the blanks around it
   * made one space (scanWord). Undefined if nothing is left on the line.
   */
  readCommand(): string | undefined {
    this.skipBlanks(false);
    const out = this.scanWord(false, false).value;
    return out === '' ? undefined : out;
  }

  /**
   * After a `script` keyword whose line has ended: everything up to a line holding only
   * `end script`, with the first line's indentation removed as Upstart does (dedent) and each line ending in a newline.
   * If the file ends first, records unterminated-script at `line`:`column` and aborts the stanza.
   */
  readScriptBody(line: number, column: number, what: string): string {
    const t = this.text;
    const lines: string[] = [];
    while (this.pos < t.length) {
      let end = t.indexOf('\n', this.pos);
      if (end < 0) end = t.length;
      const s = t.slice(this.pos, end);
      this.pos = end;
      if (this.pos < t.length) this.newline();
      if (isEndScript(s)) return dedent(lines);
      lines.push(s);
    }
    return this.fail('unterminated-script', line, column, `unterminated script: expected a line 'end script' to close this '${what}', found the end of the file`);
  }
}

/** A line holding `end script`, blanks around, optionally a comment after. */
export function isEndScript(s: string): boolean {
  let i = 0;
  const n = s.length;
  while (i < n && isBlank(s.charCodeAt(i))) i++;
  if (!s.startsWith('end', i)) return false;
  i += 3;
  const afterEnd = i;
  while (i < n && isBlank(s.charCodeAt(i))) i++;
  if (i === afterEnd || !s.startsWith('script', i)) return false;
  i += 6;
  while (i < n && isBlank(s.charCodeAt(i))) i++;
  return i === n || s.charCodeAt(i) === HASH;
}

/**
 * Upstart's indentation rule: the indentation removed from every line is the first line's leading
 * blanks (spaces, tabs, CRs), shortened to what each later line shares with it character by
 * character; so an empty line (or one starting with a word) makes it zero. Lines are otherwise
 * kept byte for byte, each ending in a newline.
 */
function dedent(lines: string[]): string {
  const first = lines[0];
  if (first === undefined) return '';
  let cut = 0;
  while (cut < first.length && isBlank(first.charCodeAt(cut))) cut++;
  for (let i = 1; i < lines.length && cut > 0; i++) {
    const l = lines[i]!;
    let k = 0;
    while (k < cut && k < l.length && l.charCodeAt(k) === first.charCodeAt(k)) k++;
    cut = k;
  }
  let out = '';
  for (const l of lines) out += l.slice(cut) + '\n';
  return out;
}
