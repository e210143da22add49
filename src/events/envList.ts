// KEY=VALUE environment lists (Upstart's environment tables) as plain string arrays.

/** The key of a `KEY=VALUE` entry (the whole entry when it has no '='). */
export function envKey(entry: string): string {
  const i = entry.indexOf('=');
  return i < 0 ? entry : entry.slice(0, i);
}

/** The value of a `KEY=VALUE` entry ('' when it has no '='). */
export function envValue(entry: string): string {
  const i = entry.indexOf('=');
  return i < 0 ? '' : entry.slice(i + 1);
}

/** The value of KEY in the list (last entry wins), or undefined. */
export function envGet(env: readonly string[], key: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    if (envKey(e) === key) return envValue(e);
  }
  return undefined;
}

/**
 * Sets entries into a list in order: an entry replaces an earlier one with the same key in place,
 * a new key is appended (Upstart's environ_add with replace). Returns a new list.
 */
export function envMerge(base: readonly string[], ...layers: ReadonlyArray<readonly string[]>): string[] {
  const out = [...base];
  const index = new Map<string, number>();
  out.forEach((e, i) => index.set(envKey(e), i));
  for (const layer of layers) {
    for (const e of layer) {
      const k = envKey(e);
      const at = index.get(k);
      if (at === undefined) {
        index.set(k, out.length);
        out.push(e);
      } else {
        out[at] = e;
      }
    }
  }
  return out;
}

/** A lookup function over a list, for $VAR expansion. */
export function envLookup(env: readonly string[]): (key: string) => string | undefined {
  const m = new Map<string, string>();
  for (const e of env) m.set(envKey(e), envValue(e));
  return (k) => m.get(k);
}

/** True if the text is a valid `KEY=VALUE` entry (a shell variable name before '='). */
export function isEnvEntry(entry: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(entry);
}
