// fnmatch(3)-style glob matching (no flags) for event argument values: *, ?, [set], [!set], \x.

/** True if `text` matches the glob `pattern` as fnmatch(3) with no flags would say. */
export function globMatch(pattern: string, text: string): boolean {
  // Iterative matcher with single-star backtracking (linear for patterns with few stars).
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length) {
      const c = pattern[p]!;
      if (c === '*') {
        starP = p++;
        starT = t;
        continue;
      }
      if (c === '?') {
        p++;
        t++;
        continue;
      }
      if (c === '[') {
        const r = matchSet(pattern, p, text[t]!);
        if (r !== undefined) {
          if (r.ok) {
            p = r.next;
            t++;
            continue;
          }
        } else if (text[t] === '[') {
          // An unterminated '[' is a literal.
          p++;
          t++;
          continue;
        }
      } else {
        let lit = c;
        let step = 1;
        if (c === '\\' && p + 1 < pattern.length) {
          lit = pattern[p + 1]!;
          step = 2;
        }
        if (lit === text[t]) {
          p += step;
          t++;
          continue;
        }
      }
    }
    if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
      continue;
    }
    return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Matches one character against the set starting at pattern[start] === '['; undefined if unterminated. */
function matchSet(pattern: string, start: number, ch: string): { ok: boolean; next: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!' || pattern[i] === '^') {
    negate = true;
    i++;
  }
  let found = false;
  let first = true;
  while (i < pattern.length) {
    let c = pattern[i]!;
    if (c === ']' && !first) {
      return { ok: found !== negate, next: i + 1 };
    }
    first = false;
    if (c === '\\' && i + 1 < pattern.length) c = pattern[++i]!;
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      let hi = pattern[i + 2]!;
      let skip = 3;
      if (hi === '\\' && i + 3 < pattern.length) {
        hi = pattern[i + 3]!;
        skip = 4;
      }
      if (ch >= c && ch <= hi) found = true;
      i += skip;
      continue;
    }
    if (ch === c) found = true;
    i++;
  }
  return undefined;
}

/** True if the text holds glob metacharacters (so it cannot be used as an index key). */
export function hasGlob(text: string): boolean {
  return /[*?[\\]/.test(text);
}
