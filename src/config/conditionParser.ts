// Condition parser: `start on` / `stop on` / `expect` tokens → Condition tree (and/or, equal precedence, left-associative).
import type { Condition, EventOperand, MatchArg } from '../model/condition.ts';
import type { Scanner, Token } from './scanner.ts';

function isOperator(t: Token): boolean {
  return t.kind === 'word' && !t.quoted && (t.value === 'and' || t.value === 'or');
}

/** Bounds that keep every recursive walk of a condition (printing, the engine's trees) shallow. */
export const MAX_NESTING = 64;
export const MAX_OPERANDS = 1000;

function describe(t: Token | undefined): string {
  return t === undefined ? 'the end of the condition' : `'${t.value}'`;
}

/**
 * Parses a whole condition; `what` names the stanza for messages (`start on`). `at` is where to
 * report a missing condition. Errors are recorded on the scanner and abandon the stanza.
 */
export function parseCondition(tokens: Token[], sc: Scanner, what: string, at: { line: number; column: number }): Condition {
  if (tokens.length === 0) {
    sc.fail('missing-argument', at.line, at.column, `missing condition: expected an event name after '${what}', found the end of the line`);
  }
  let i = 0;
  let depth = 0;
  let count = 0;

  const operand = (): Condition => {
    const t = tokens[i];
    if (t === undefined) {
      const last = tokens[tokens.length - 1] ?? at;
      return sc.fail('bad-condition', last.line, last.column, `incomplete condition in '${what}': expected an event name after ${describe(tokens[tokens.length - 1])}, found the end of the condition`);
    }
    if (t.kind === 'open') {
      if (++depth > MAX_NESTING) {
        return sc.fail('bad-condition', t.line, t.column, `condition too deeply nested in '${what}': expected at most ${MAX_NESTING} levels of parentheses`);
      }
      i++;
      const inner = expression();
      depth--;
      const close = tokens[i];
      if (close === undefined || close.kind !== 'close') {
        return sc.fail('unbalanced-paren', t.line, t.column, `unbalanced parenthesis in '${what}': expected ')' to close this '(', found ${describe(close)}`);
      }
      i++;
      return inner;
    }
    if (t.kind === 'close') {
      return sc.fail('unbalanced-paren', t.line, t.column, `unbalanced parenthesis in '${what}': expected an event name, found ')' without a matching '('`);
    }
    if (isOperator(t)) {
      return sc.fail('bad-condition', t.line, t.column, `bad condition in '${what}': expected an event name, found the operator '${t.value}'`);
    }
    if (t.eq >= 0 || t.value === '') {
      return sc.fail('bad-condition', t.line, t.column, `bad condition in '${what}': expected an event name, found '${t.value}'`);
    }
    if (++count > MAX_OPERANDS) {
      return sc.fail('bad-condition', t.line, t.column, `condition too long in '${what}': expected at most ${MAX_OPERANDS} events`);
    }
    i++;
    const leaf: EventOperand = { kind: 'event', name: t.value, args: [] };
    for (let a = tokens[i]; a !== undefined && a.kind === 'word' && !isOperator(a); a = tokens[++i]) {
      const m = toArg(a, sc, what);
      // init(5): positional values come first; Upstart refuses one after a KEY=VALUE.
      if (m.key === undefined && leaf.args.some((x) => x.key !== undefined)) {
        return sc.fail('bad-condition', a.line, a.column, `bad condition in '${what}': expected KEY=VALUE after a KEY=VALUE, found the positional value '${a.value}' (positional values come first)`);
      }
      leaf.args.push(m);
    }
    return leaf;
  };

  const expression = (): Condition => {
    let left = operand();
    for (let t = tokens[i]; t !== undefined && t.kind !== 'close'; t = tokens[i]) {
      if (!isOperator(t)) {
        return sc.fail('bad-condition', t.line, t.column, `bad condition in '${what}': expected 'and' or 'or', found ${describe(t)}`);
      }
      i++;
      const right = operand();
      left = { kind: t.value === 'and' ? 'and' : 'or', left, right };
    }
    return left;
  };

  const cond = expression();
  const rest = tokens[i];
  if (rest !== undefined) {
    sc.fail('unbalanced-paren', rest.line, rest.column, `unbalanced parenthesis in '${what}': found ')' without a matching '('`);
  }
  return cond;
}

function toArg(t: Token, sc: Scanner, what: string): MatchArg {
  if (t.eq < 0) return { value: t.value };
  let key = t.value.slice(0, t.eq);
  const value = t.value.slice(t.eq + 1);
  const negate = key.endsWith('!');
  if (negate) key = key.slice(0, -1);
  if (key === '') {
    sc.fail('bad-condition', t.line, t.column, `bad condition in '${what}': expected KEY=VALUE, found '${t.value}' with no KEY before '='`);
  }
  return negate ? { key, value, negate: true } : { key, value };
}
