// Whether the daemon may give a process an oom_score_adj: going below its own needs CAP_SYS_RESOURCE, which containers usually drop.
import { readFileSync } from 'node:fs';

const CAP_SYS_RESOURCE = 24n;

/** CAP_SYS_RESOURCE in a /proc/PID/status text's CapEff line. */
export function hasSysResource(status: string): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(status);
  return m !== null && ((BigInt(`0x${m[1]}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
}

/**
 * Whether a child of this process can be given `value`: raising it is always allowed, lowering
 * below the daemon's own value only with CAP_SYS_RESOURCE. Read from /proc once.
 */
export function oomScoreAllowed(value: number, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): boolean {
  cached ??= (() => {
    try {
      return { own: Number(read('/proc/self/oom_score_adj').trim()), privileged: hasSysResource(read('/proc/self/status')) };
    } catch {
      return { own: 0, privileged: true }; // no /proc: let the child try, and report what it finds
    }
  })();
  return cached.privileged || value >= cached.own;
}

let cached: { own: number; privileged: boolean } | undefined;

/** Forgets what was read (tests). */
export function resetOomScoreCache(): void {
  cached = undefined;
}
