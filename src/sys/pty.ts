// Pseudo-terminals for `console log` / `console owner` jobs.
import { addon, fail, isInt } from './addon.ts';

export interface Pty {
  /** Non-blocking, close-on-exec; read it until EOF/EIO. */
  master: number;
  /** Close-on-exec; give it to the child as stdio, then close it in the daemon. */
  slave: number;
  path: string;
}

/** A new pty pair; `raw` turns off echo and line editing, cols/rows set its window size. */
export function openpty(opts?: { raw?: boolean; cols?: number; rows?: number }): Pty {
  for (const k of ['cols', 'rows'] as const) {
    if (opts?.[k] !== undefined && !isInt(opts[k], 1, 0xffff)) fail(`${k} must be 1..65535`);
  }
  return addon.openpty(opts);
}
