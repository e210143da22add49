// wall(1) for shutdown(8): the message to the terminal of every logged-in user in utmp; a terminal that cannot be written is skipped.
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { readUtmp, USER_PROCESS } from '../../daemon/utmp.ts';

export const UTMP_PATH = '/var/run/utmp';

/** The banner and text as wall writes them (CR LF line ends for a raw terminal). */
export function wallText(text: string, from: string, at: Date): string {
  const hhmm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  return `\r\nBroadcast message from ${from}@${hostname()} (${hhmm}):\r\n\r\n${text.split('\n').join('\r\n')}\r\n\r\n`;
}

/** Writes `message` to every USER_PROCESS terminal; returns how many got it. */
export function wall(message: string, utmp = UTMP_PATH): number {
  let n = 0;
  for (const r of readUtmp(utmp)) {
    if (r.type !== USER_PROCESS || r.line === '' || r.line.includes('..')) continue;
    try {
      const fd = openSync(`/dev/${r.line}`, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
      try {
        writeSync(fd, message);
        n++;
      } finally {
        closeSync(fd);
      }
    } catch {
      // Gone, or not ours to write: as wall, skip it.
    }
  }
  return n;
}
