// The context a stanza handler works in, and the argument helpers every handler shares.
import type { JobClassSpec, ProcessName } from '../model/jobClass.ts';
import type { Scanner, Token } from './scanner.ts';

export interface StanzaContext {
  sc: Scanner;
  spec: JobClassSpec;
  /** The stanza keyword as read (its position is where most errors point). */
  kw: Token;
  /** Which processes (and `action NAME`s) this file (not a base it overrides) defined, for the process-redefined warning. */
  seen: Map<ProcessName | `action ${string}`, 'exec' | 'script'>;
  /** Set by a handler that has consumed its line (and following lines) itself. */
  lineDone: boolean;
}

export type StanzaHandler = (ctx: StanzaContext) => void;

/** The next argument; a missing one is an error naming `what` was expected. */
export function arg(ctx: StanzaContext, what: string, after?: string): Token {
  const tok = ctx.sc.readToken(false);
  if (tok === undefined) {
    const col = ctx.sc.column();
    ctx.sc.fail('missing-argument', ctx.sc.line, col, `missing argument: expected ${what} after '${after ?? ctx.kw.value}', found the end of the line`);
  }
  return tok;
}

/** One or more arguments, to the end of the line. */
export function args(ctx: StanzaContext, what: string): Token[] {
  const out = [arg(ctx, what)];
  for (let t = ctx.sc.readToken(false); t !== undefined; t = ctx.sc.readToken(false)) out.push(t);
  return out;
}

/** The next argument if any (undefined at the end of the line). */
export function optionalArg(ctx: StanzaContext): Token | undefined {
  return ctx.sc.readToken(false);
}

/** A whole number written in decimal (optional leading '-'); undefined if `s` is anything else. */
export function toInt(s: string): number | undefined {
  let i = s.startsWith('-') ? 1 : 0;
  if (i === s.length || s.length - i > 15) return undefined;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(s);
}

/** A non-negative whole number, or undefined. */
export function toCount(s: string): number | undefined {
  const n = toInt(s);
  return n !== undefined && n >= 0 && !s.startsWith('-') ? n : undefined;
}

export function fail(ctx: StanzaContext, code: Parameters<Scanner['fail']>[0], tok: Token, message: string): never {
  return ctx.sc.fail(code, tok.line, tok.column, message);
}

/** Appends names not already present, keeping file order. */
export function addUnique(list: string[], toks: Token[]): void {
  for (const t of toks) if (!list.includes(t.value)) list.push(t.value);
}
