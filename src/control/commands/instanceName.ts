// Names the instance a KEY=VALUE list selects, by expanding the job's `instance` stanza as init(5) says.

/**
 * Expands $VAR, ${VAR}, ${VAR:-WORD}, ${VAR-WORD}, ${VAR:+WORD} and ${VAR+WORD} against env;
 * an unset variable with no default expands to ''. `$$`-style and other shell forms are left as written.
 */
export function expandVars(template: string, env: ReadonlyMap<string, string>): string {
  return template.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const value = env.get(name);
      switch (op) {
        case ':-': return value === undefined || value === '' ? (word ?? '') : value;
        case '-': return value === undefined ? (word ?? '') : value;
        case ':+': return value === undefined || value === '' ? '' : (word ?? '');
        case '+': return value === undefined ? '' : (word ?? '');
        default: return value ?? '';
      }
    },
  );
}

/** KEY=VALUE strings → map (later wins); a string without `=` is ignored. */
export function envMap(pairs: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq > 0) m.set(p.slice(0, eq), p.slice(eq + 1));
  }
  return m;
}
