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
  const out = base.slice();
  let added = 0;
  for (const layer of layers) added += layer.length;
  if (added === 0) return out;
  // Small merges (the usual: a job's env and a few entries) search the list; big ones index it.
  if (out.length * added <= SEARCH_MERGE_MAX) {
    for (const layer of layers) for (const e of layer) setInPlace(out, e);
    return out;
  }
  const index = new Map<string, number>();
  for (let i = 0; i < out.length; i++) index.set(envKey(out[i]!), i);
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

/** Past this many (entries × new entries) envMerge builds an index instead of searching. */
const SEARCH_MERGE_MAX = 512;

/** Replaces the last entry with e's key in place, else appends e (what the index in envMerge does). */
function setInPlace(out: string[], e: string): void {
  const key = envKey(e);
  const klen = key.length;
  for (let i = out.length - 1; i >= 0; i--) {
    const o = out[i]!;
    // o's key is e's: o starts with it and ends or has '=' right after it (a key holds no '=').
    if (o.length >= klen && (o.length === klen || o.charCodeAt(klen) === 61) && o.startsWith(key)) {
      out[i] = e;
      return;
    }
  }
  out.push(e);
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
