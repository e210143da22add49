// The D-Bus marshalling format: values written (little-endian) and read (either endianness) with every bound checked.
import { isSingleType, parseSignature, SignatureError, type DbusType } from './signature.ts';

/**
 * Values as this codec holds them: y n q i u h d → number, x t → bigint, b → boolean, s o g → string,
 * v → Variant, arrays → arrays (a{..}: arrays of [key, value]), structs → arrays of their fields.
 */
export type DbusValue = number | bigint | boolean | string | Variant | DbusValue[];

export interface Variant {
  sig: string;
  value: DbusValue;
}

/** Bytes that are not a valid marshalled value (or a value that does not fit its type). */
export class WireError extends Error {
  readonly code = 'bad-wire';
}

const MAX_ARRAY_BYTES = 64 * 1024 * 1024;
/** Refuses bytes that are not UTF-8 (decode without `stream` keeps no state between calls). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const MAX_VARIANT_DEPTH = 64;
const OBJECT_PATH = /^\/$|^(\/[A-Za-z0-9_]+)+$/;

export function isObjectPath(s: string): boolean {
  return OBJECT_PATH.test(s);
}

export const variant = (sig: string, value: DbusValue): Variant => ({ sig, value });

function alignOf(t: DbusType): number {
  switch (t.code) {
    case 'y': case 'g': case 'v': return 1;
    case 'n': case 'q': return 2;
    case 'x': case 't': case 'd': case '(': case '{': return 8;
    default: return 4;
  }
}

/** Grows as values are written; offsets (for alignment) count from the start of the message. */
export class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }

  u32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  /** Overwrites a u32 written earlier (a length known only afterwards). */
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  private raw(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  write(t: DbusType, v: DbusValue): void {
    const bad = (what: string): never => {
      throw new WireError(`cannot write ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)} as ${what}`);
    };
    const int = (lo: number, hi: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : bad(`${t.code}`));
    switch (t.code) {
      case 'y': this.u8(int(0, 255)); return;
      case 'b': if (typeof v !== 'boolean') bad('a boolean'); this.u32(v ? 1 : 0); return;
      case 'n': this.align(2); this.room(2); this.buf.writeInt16LE(int(-32768, 32767), this.length); this.length += 2; return;
      case 'q': this.align(2); this.room(2); this.buf.writeUInt16LE(int(0, 65535), this.length); this.length += 2; return;
      case 'i': this.align(4); this.room(4); this.buf.writeInt32LE(int(-2147483648, 2147483647), this.length); this.length += 4; return;
      case 'u': case 'h': this.u32(int(0, 4294967295)); return;
      case 'x': case 't': {
        const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : bad('a 64-bit integer');
        this.align(8); this.room(8);
        if (t.code === 'x') this.buf.writeBigInt64LE(b, this.length);
        else this.buf.writeBigUInt64LE(b, this.length);
        this.length += 8;
        return;
      }
      case 'd': if (typeof v !== 'number') bad('a double'); this.align(8); this.room(8); this.buf.writeDoubleLE(v as number, this.length); this.length += 8; return;
      case 's': case 'o': {
        if (typeof v !== 'string' || v.includes('\0')) return bad('a string');
        if (t.code === 'o' && !isObjectPath(v)) bad('an object path');
        const b = Buffer.from(v, 'utf8');
        this.u32(b.length);
        this.raw(b);
        this.u8(0);
        return;
      }
      case 'g': {
        if (typeof v !== 'string') return bad('a signature');
        parseSignature(v);
        this.u8(v.length);
        this.raw(Buffer.from(v, 'ascii'));
        this.u8(0);
        return;
      }
      case 'v': {
        const x = v as Variant;
        if (typeof x !== 'object' || Array.isArray(x) || !isSingleType(x.sig)) bad('a variant');
        this.write({ code: 'g' }, x.sig);
        this.write(parseSignature(x.sig)[0] as DbusType, x.value);
        return;
      }
      case 'a': {
        if (!Array.isArray(v)) return bad('an array');
        this.u32(0);
        const lenAt = this.length - 4;
        this.align(alignOf(t.elem));
        const start = this.length;
        for (const e of v) this.write(t.elem, e);
        this.patchU32(lenAt, this.length - start);
        return;
      }
      case '(': case '{': {
        const fields = t.code === '(' ? t.fields : [t.key, t.value];
        if (!Array.isArray(v) || v.length !== fields.length) return bad(t.code === '(' ? 'a struct' : 'a dict entry');
        this.align(8);
        fields.forEach((f, i) => this.write(f, v[i] as DbusValue));
        return;
      }
    }
  }

  /** Writes each value of `sig` in turn. */
  writeAll(sig: string, values: readonly DbusValue[]): void {
    const types = parseSignature(sig);
    if (types.length !== values.length) throw new WireError(`signature "${sig}" has ${types.length} values, ${values.length} given`);
    types.forEach((t, i) => this.write(t, values[i] as DbusValue));
  }
}

/** Reads values from `buf`; `base` is the offset of buf[0] within its message (alignment counts from there). */
export class Reader {
  pos = 0;
  private depth = 0;

  constructor(private readonly buf: Buffer, private readonly little: boolean, private readonly base = 0) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError(`message ends ${this.pos + n - this.buf.length} byte(s) too soon`);
  }

  align(n: number): void {
    const pad = (n - ((this.base + this.pos) % n)) % n;
    this.need(pad);
    for (let i = 0; i < pad; i++) if (this.buf[this.pos + i] !== 0) throw new WireError('padding that is not zero');
    this.pos += pad;
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private fixed<T>(n: number, le: (o: number) => T, be: (o: number) => T): T {
    this.align(n);
    this.need(n);
    const v = this.little ? le(this.pos) : be(this.pos);
    this.pos += n;
    return v;
  }

  private text(len: number, what: string): string {
    this.need(len + 1);
    const bytes = this.buf.subarray(this.pos, this.pos + len);
    if (this.buf[this.pos + len] !== 0) throw new WireError(`${what} not ended by a NUL byte`);
    if (bytes.includes(0)) throw new WireError(`${what} holds a NUL byte`);
    let s: string;
    try {
      s = UTF8.decode(bytes);
    } catch {
      throw new WireError(`${what} is not valid UTF-8`);
    }
    this.pos += len + 1;
    return s;
  }

  read(t: DbusType): DbusValue {
    const b = this.buf;
    switch (t.code) {
      case 'y': return this.u8();
      case 'b': {
        const v = this.u32();
        if (v > 1) throw new WireError(`boolean ${v} is neither 0 nor 1`);
        return v === 1;
      }
      case 'n': return this.fixed(2, (o) => b.readInt16LE(o), (o) => b.readInt16BE(o));
      case 'q': return this.fixed(2, (o) => b.readUInt16LE(o), (o) => b.readUInt16BE(o));
      case 'i': return this.fixed(4, (o) => b.readInt32LE(o), (o) => b.readInt32BE(o));
      case 'u': case 'h': return this.u32();
      case 'x': return this.fixed(8, (o) => b.readBigInt64LE(o), (o) => b.readBigInt64BE(o));
      case 't': return this.fixed(8, (o) => b.readBigUInt64LE(o), (o) => b.readBigUInt64BE(o));
      case 'd': return this.fixed(8, (o) => b.readDoubleLE(o), (o) => b.readDoubleBE(o));
      case 's': return this.text(this.u32(), 'a string');
      case 'o': {
        const s = this.text(this.u32(), 'an object path');
        if (!isObjectPath(s)) throw new WireError(`"${s}" is not an object path`);
        return s;
      }
      case 'g': {
        const s = this.text(this.u8(), 'a signature');
        try {
          parseSignature(s);
        } catch (err) {
          throw new WireError((err as SignatureError).message);
        }
        return s;
      }
      case 'v': {
        const sig = this.read({ code: 'g' }) as string;
        if (!isSingleType(sig)) throw new WireError(`a variant's signature "${sig}" is not one complete type`);
        if (++this.depth > MAX_VARIANT_DEPTH) throw new WireError(`variants nested deeper than ${MAX_VARIANT_DEPTH}`);
        try {
          return { sig, value: this.read(parseSignature(sig)[0] as DbusType) };
        } finally {
          this.depth--;
        }
      }
      case 'a': {
        const len = this.u32();
        if (len > MAX_ARRAY_BYTES) throw new WireError(`array of ${len} bytes (limit ${MAX_ARRAY_BYTES})`);
        this.align(alignOf(t.elem));
        this.need(len);
        const end = this.pos + len;
        const out: DbusValue[] = [];
        while (this.pos < end) out.push(this.read(t.elem));
        if (this.pos !== end) throw new WireError('array elements overrun the array length');
        return out;
      }
      case '(': case '{': {
        this.align(8);
        const fields = t.code === '(' ? t.fields : [t.key, t.value];
        return fields.map((f) => this.read(f));
      }
    }
  }

  /** Reads every value of `sig`; throws WireError when the bytes do not hold exactly that. */
  readAll(sig: string): DbusValue[] {
    let types: DbusType[];
    try {
      types = parseSignature(sig);
    } catch (err) {
      throw new WireError((err as Error).message);
    }
    const out = types.map((t) => this.read(t));
    if (this.remaining !== 0) throw new WireError(`${this.remaining} byte(s) left after the values of signature "${sig}"`);
    return out;
  }
}
