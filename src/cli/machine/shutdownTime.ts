// shutdown(8)'s TIME (`now`, `+M`, `HH:MM`) and the wall text it sends; pure.

export class MachineUsageError extends Error {
  readonly code = 'usage';
}

/** ms since the epoch TIME names, from `now` (HH:MM: the next time the clock shows it, today or tomorrow). */
export function parseShutdownTime(text: string, now: Date): number {
  if (text === 'now' || text === '+0') return now.getTime();
  const plus = /^\+(\d{1,6})$/.exec(text);
  if (plus) return now.getTime() + Number(plus[1]) * 60_000;
  const hm = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (hm && Number(hm[1]) < 24 && Number(hm[2]) < 60) {
    const at = new Date(now.getTime());
    at.setHours(Number(hm[1]), Number(hm[2]), 0, 0);
    if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
    return at.getTime();
  }
  throw new MachineUsageError(`invalid time: ${text} (now, +MINUTES or HH:MM)`);
}

export type ShutdownKind = 'reboot' | 'halt' | 'power off' | 'maintenance';

/** The words of the wall message: `The system is going down for power off NOW!` or `in 5 minutes!`. */
export function goingDown(kind: ShutdownKind, at: number, now: number): string {
  const minutes = Math.round((at - now) / 60_000);
  const when = minutes <= 0 ? 'NOW!' : `in ${minutes} minute${minutes === 1 ? '' : 's'}!`;
  return `The system is going down for ${kind} ${when}`;
}
