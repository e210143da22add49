// Scanner: the job-file lexer (init(5) blanks, comments, quotes, continuation, script blocks); hand-written, linear.
import { ConfigError, type ConfigErrorCode } from './configError.ts';

/**
 * One argument as written. `value` has quotes removed and escapes applied; `quoted` says whether
 * any part was quoted (a quoted `and` is a value, not an operator); `eq` is the index in `value`
 * of the first `=` that was not inside quotes (-1 if none).
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
const OPEN = 40, CLOSE = 41, EQ = 61;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

export class Scanner {
  readonly text: string;
  readonly file: string;
  readonly errors: ConfigError[];
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
    let value = '';
    let quoted = false;
    let eq = -1;
    let runStart = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (isBlank(c) || c === NL || (parens && (c === OPEN || c === CLOSE))) break;
      if (c === BSLASH) {
        const n = t.charCodeAt(this.pos + 1);
        if (n === NL) break;
        if (n === DQUOTE || n === SQUOTE || n === BSLASH) {
          value += t.slice(runStart, this.pos) + t[this.pos + 1];
          this.pos += 2;
          runStart = this.pos;
          continue;
        }
        this.pos++;
        continue;
      }
      if (c === DQUOTE || c === SQUOTE) {
        value += t.slice(runStart, this.pos);
        value += this.readQuoted(c);
        quoted = true;
        runStart = this.pos;
        continue;
      }
      if (c === EQ && eq < 0) eq = value.length + (this.pos - runStart);
      this.pos++;
    }
    value += t.slice(runStart, this.pos);
    return { kind: 'word', value, line, column, quoted, eq };
  }

  /** At an opening quote: returns the quoted text (newlines kept) and moves past the closing quote. */
  private readQuoted(quote: number): string {
    const t = this.text;
    const line = this.line;
    const column = this.column();
    this.pos++;
    let out = '';
    let runStart = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === quote) {
        out += t.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === BSLASH && quote === DQUOTE) {
        const n = t.charCodeAt(this.pos + 1);
        if (n === DQUOTE || n === BSLASH) {
          out += t.slice(runStart, this.pos) + t[this.pos + 1];
          this.pos += 2;
          runStart = this.pos;
          continue;
        }
        if (n === NL) {
          out += t.slice(runStart, this.pos);
          this.pos++;
          this.newline();
          runStart = this.pos;
          continue;
        }
      }
      if (c === NL) this.newline();
      else this.pos++;
    }
    const q = quote === DQUOTE ? '"' : "'";
    return this.fail('unterminated-quote', line, column, `unterminated quote: expected a closing ${q} for the ${q} opened here, found the end of the file`);
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
      this.fail('unbalanced-paren', open.line, open.column, "unbalanced parenthesis: expected ')' to close this '(', found the end of the file");
    }
    return out;
  }

  /**
   * The rest of the logical line as a command, as written: quotes kept, a trailing comment dropped,
   * each backslash-newline joined into one blank. Undefined if nothing is left on the line.
   */
  readCommand(): string | undefined {
    this.skipBlanks(false);
    const t = this.text;
    let out = '';
    let runStart = this.pos;
    let prevBlank = true;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === NL) break;
      if (c === HASH && prevBlank) break;
      if (c === BSLASH) {
        const n = t.charCodeAt(this.pos + 1);
        if (n === NL) {
          out = (out + t.slice(runStart, this.pos)).trimEnd() + ' ';
          this.pos++;
          this.newline();
          this.skipBlanks(false);
          runStart = this.pos;
          prevBlank = true;
          continue;
        }
        this.pos += Number.isNaN(n) ? 1 : 2;
        prevBlank = false;
        continue;
      }
      if (c === DQUOTE || c === SQUOTE) {
        out += t.slice(runStart, this.pos);
        const q = String.fromCharCode(c);
        out += q + this.readRawQuoted(c) + q;
        runStart = this.pos;
        prevBlank = false;
        continue;
      }
      prevBlank = isBlank(c);
      this.pos++;
    }
    out = (out + t.slice(runStart, this.pos)).trim();
    return out === '' ? undefined : out;
  }

  /** Like readQuoted but keeps the text verbatim (backslashes included), for commands. */
  private readRawQuoted(quote: number): string {
    const t = this.text;
    const line = this.line;
    const column = this.column();
    const start = ++this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === quote) {
        const s = t.slice(start, this.pos);
        this.pos++;
        return s;
      }
      if (c === BSLASH && quote === DQUOTE && this.pos + 1 < t.length && t.charCodeAt(this.pos + 1) !== NL) {
        this.pos += 2;
        continue;
      }
      if (c === NL) this.newline();
      else this.pos++;
    }
    const q = quote === DQUOTE ? '"' : "'";
    return this.fail('unterminated-quote', line, column, `unterminated quote: expected a closing ${q} for the ${q} opened here, found the end of the file`);
  }

  /**
   * After a `script` keyword whose line has ended: everything up to a line holding only
   * `end script`, with the common leading whitespace removed and a trailing newline.
   * If the file ends first, records unterminated-script at `line`:`column` and aborts the stanza.
   */
  readScriptBody(line: number, column: number, what: string): string {
    const t = this.text;
    const lines: string[] = [];
    while (this.pos < t.length) {
      let end = t.indexOf('\n', this.pos);
      if (end < 0) end = t.length;
      let s = t.slice(this.pos, end);
      if (s.endsWith('\r')) s = s.slice(0, -1);
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

function leadingBlanks(s: string): number {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === SPACE || s.charCodeAt(i) === TAB)) i++;
  return i;
}

/** Removes the longest whitespace prefix shared by every non-blank line; blank lines become empty. */
function dedent(lines: string[]): string {
  if (lines.length === 0) return '';
  let prefix: string | undefined;
  for (const l of lines) {
    const k = leadingBlanks(l);
    if (k === l.length) continue;
    const p = l.slice(0, k);
    if (prefix === undefined) prefix = p;
    else {
      let j = 0;
      while (j < prefix.length && j < p.length && prefix[j] === p[j]) j++;
      prefix = prefix.slice(0, j);
    }
    if (prefix === '') break;
  }
  const cut = prefix?.length ?? 0;
  let out = '';
  for (const l of lines) out += (leadingBlanks(l) === l.length ? '' : l.slice(cut)) + '\n';
  return out;
}
