// $VAR / ${VAR} / ${VAR:-word} expansion of condition values and instance names from a job's environment.

export type Lookup = (key: string) => string | undefined;

/**
 * Expands `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`; `\$` is a
 * literal dollar. Returns undefined when a referenced variable is unset and has no default (Upstart
 * refuses such an expansion), with the variable's name in `missing`.
 */
export function expandVars(text: string, lookup: Lookup): { value: string } | { missing: string } {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (text[i + 1] === '{') {
      const close = findClose(text, i + 2);
      if (close < 0) return { missing: text.slice(i) };
      const body = text.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(body);
      if (!m) return { missing: body };
      const name = m[1]!;
      const op = m[2];
      const word = m[3] ?? '';
      const v = lookup(name);
      if (op === undefined) {
        if (v === undefined) return { missing: name };
        out += v;
      } else {
        const colon = op.startsWith(':');
        const set = colon ? v !== undefined && v !== '' : v !== undefined;
        const sub = (): { value: string } | { missing: string } => expandVars(word, lookup);
        if (op.endsWith('-')) {
          if (set) out += v;
          else {
            const r = sub();
            if ('missing' in r) return r;
            out += r.value;
          }
        } else if (set) {
          const r = sub();
          if ('missing' in r) return r;
          out += r.value;
        }
      }
      i = close + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (!m) {
      out += '$';
      i++;
      continue;
    }
    const v = lookup(m[0]);
    if (v === undefined) return { missing: m[0] };
    out += v;
    i += 1 + m[0].length;
  }
  return { value: out };
}

function findClose(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}
