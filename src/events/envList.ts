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
  for (let l = 0; l < layers.length; l++) added += layers[l]!.length;
  if (added === 0) return out;
  // Small merges (the usual: a job's env and a few entries) search the list; big ones index it.
  // Indexed loops: for-of makes iterator objects, and this runs several times per job start.
  if (out.length * added <= SEARCH_MERGE_MAX) {
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l]!;
      for (let i = 0; i < layer.length; i++) setInPlace(out, layer[i]!);
    }
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
  const eq = e.indexOf('=');
  const klen = eq < 0 ? e.length : eq;
  for (let i = out.length - 1; i >= 0; i--) {
    const o = out[i]!;
    // o's key is e's: o ends or has '=' right after e's key, and the characters before are the same (a key holds
    // no '='). Compared in place: no key string is made for each entry set.
    if (o.length >= klen && (o.length === klen || o.charCodeAt(klen) === 61) && samePrefix(o, e, klen)) {
      out[i] = e;
      return;
    }
  }
  out.push(e);
}

function samePrefix(a: string, b: string, n: number): boolean {
  for (let j = 0; j < n; j++) if (a.charCodeAt(j) !== b.charCodeAt(j)) return false;
  return true;
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
