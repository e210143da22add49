// Linux signal names and numbers, written as Upstart writes them (no SIG prefix: TERM, SEGV).

export const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10,
  SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18,
  STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26,
  PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

const ALIASES: Readonly<Record<string, string>> = { IOT: 'ABRT', POLL: 'IO', CLD: 'CHLD' };

const BY_NUMBER = new Map<number, string>(Object.entries(SIGNALS).map(([n, v]) => [v, n]));

/**
 * Canonical name for a signal given as `TERM`, `SIGTERM`, `sigterm` or `15`.
 * Real-time signals are `RTMIN`, `RTMIN+N`, `RTMAX-N` (numbers 34..64 print as `RTMIN+N`).
 * Returns undefined for anything that is not a signal.
 */
export function canonicalSignal(text: string): string | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return signalName(n);
  }
  let name = text.toUpperCase();
  if (name.startsWith('SIG')) name = name.slice(3);
  name = ALIASES[name] ?? name;
  if (name in SIGNALS) return name;
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const n = signalNumber(name);
    return n === undefined ? undefined : signalName(n);
  }
  return undefined;
}

/** Signal number for a canonical (or SIG-prefixed) name, undefined if unknown. */
export function signalNumber(name: string): number | undefined {
  let n = name.toUpperCase();
  if (n.startsWith('SIG')) n = n.slice(3);
  n = ALIASES[n] ?? n;
  const fixed = SIGNALS[n];
  if (fixed !== undefined) return fixed;
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(n);
  if (!rt) return undefined;
  const base = rt[1] === 'MIN' ? 34 : 64;
  const off = rt[3] === undefined ? 0 : Number(rt[3]) * (rt[2] === '-' ? -1 : 1);
  const v = base + off;
  return v >= 34 && v <= 64 ? v : undefined;
}

/** Name for a signal number: `TERM`, `RTMIN+3`; the number as text when unknown. */
export function signalName(n: number): string | undefined {
  const fixed = BY_NUMBER.get(n);
  if (fixed !== undefined) return fixed;
  if (n === 34) return 'RTMIN';
  if (n > 34 && n <= 64) return `RTMIN+${n - 34}`;
  return undefined;
}
