// Small checks for reading a re-exec state part back: each names the field that is wrong (StateError, code 'invalid').

/** Why a state cannot be used: `corrupt` (not JSON, truncated), `newer` (a format this image does not know), `invalid` (a field is wrong). */
export class StateError extends Error {
  constructor(readonly code: 'corrupt' | 'newer' | 'invalid', message: string) {
    super(message);
    this.name = 'StateError';
  }
}

export type Obj = Record<string, unknown>;

export function fail(where: string, what: string): never {
  throw new StateError('invalid', `${where}: ${what}`);
}

export function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'expected an object');
  return v as Obj;
}

export function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) fail(where, 'expected an array');
  return v;
}

export function int(v: unknown, where: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(where, `expected an integer >= ${min}`);
  return v;
}

export function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, 'expected a number');
  return v;
}

export function str(v: unknown, where: string): string {
  if (typeof v !== 'string') fail(where, 'expected a string');
  return v;
}

export function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') fail(where, 'expected true or false');
  return v;
}

export function strs(v: unknown, where: string): string[] {
  return arr(v, where).map((s, i) => str(s, `${where}[${i}]`));
}

/** A file descriptor number a kept fd may have (0-2 are stdio, never handed over). */
export function fd(v: unknown, where: string): number {
  return int(v, where, 3);
}

/** Base64 text (the bytes of a buffer). */
export function base64(v: unknown, where: string): string {
  const s = str(v, where);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) fail(where, 'expected base64');
  return s;
}
