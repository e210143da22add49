// D-Bus type signatures: parsed into trees, validated by the specification's rules (length, nesting, dict entries).

/** One complete type: a basic code, or a container with its element types. */
export type DbusType =
  | { code: 'y' | 'b' | 'n' | 'q' | 'i' | 'u' | 'x' | 't' | 'd' | 's' | 'o' | 'g' | 'h' | 'v' }
  | { code: 'a'; elem: DbusType }
  | { code: '('; fields: DbusType[] }
  | { code: '{'; key: DbusType; value: DbusType };

export class SignatureError extends Error {
  readonly code = 'bad-signature';
}

const BASIC = new Set(['y', 'b', 'n', 'q', 'i', 'u', 'x', 't', 'd', 's', 'o', 'g', 'h']);
/** The specification's limits: 255 bytes, 32 nested arrays, 32 nested structs. */
const MAX_LENGTH = 255;
const MAX_DEPTH = 32;

const cache = new Map<string, DbusType[]>();

/** The complete types of a signature, in order; throws SignatureError for one that is not valid. */
export function parseSignature(sig: string): DbusType[] {
  const hit = cache.get(sig);
  if (hit !== undefined) return hit;
  if (sig.length > MAX_LENGTH) throw new SignatureError(`signature longer than ${MAX_LENGTH} characters`);
  const out: DbusType[] = [];
  let pos = 0;
  const one = (arrays: number, structs: number): DbusType => {
    const c = sig[pos++];
    if (c === undefined) throw new SignatureError(`signature "${sig}" ends inside a type`);
    if (BASIC.has(c) || c === 'v') return { code: c as 'y' };
    if (c === 'a') {
      if (arrays >= MAX_DEPTH) throw new SignatureError(`signature "${sig}" nests arrays deeper than ${MAX_DEPTH}`);
      if (sig[pos] === '{') {
        pos++;
        const k = sig[pos];
        if (k === undefined || !BASIC.has(k)) throw new SignatureError(`signature "${sig}": a dict entry's key must be a basic type`);
        const key = one(arrays + 1, structs + 1);
        const value = one(arrays + 1, structs + 1);
        if (sig[pos++] !== '}') throw new SignatureError(`signature "${sig}": a dict entry holds exactly one key and one value`);
        return { code: 'a', elem: { code: '{', key, value } };
      }
      return { code: 'a', elem: one(arrays + 1, structs) };
    }
    if (c === '(') {
      if (structs >= MAX_DEPTH) throw new SignatureError(`signature "${sig}" nests structs deeper than ${MAX_DEPTH}`);
      const fields: DbusType[] = [];
      while (sig[pos] !== ')') {
        if (pos >= sig.length) throw new SignatureError(`signature "${sig}": unclosed (`);
        fields.push(one(arrays, structs + 1));
      }
      pos++;
      if (fields.length === 0) throw new SignatureError(`signature "${sig}": an empty struct`);
      return { code: '(', fields };
    }
    throw new SignatureError(`signature "${sig}": unexpected ${JSON.stringify(c)}`);
  };
  while (pos < sig.length) out.push(one(0, 0));
  if (cache.size < 1024) cache.set(sig, out);
  return out;
}

/** True when `sig` is exactly one complete type (what a variant may carry). */
export function isSingleType(sig: string): boolean {
  try {
    return parseSignature(sig).length === 1;
  } catch {
    return false;
  }
}
