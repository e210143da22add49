// Fields of /proc/PID/stat the daemon reads: a process's parent and its process group.
import { readFileSync } from 'node:fs';

/** Field N after the command name in /proc/PID/stat (0: state, 1: parent, 2: process group); undefined when it is gone. */
export function statField(pid: number, n: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const v = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n]);
    return Number.isInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The state letter of a process (R, S, Z, ...); undefined when it is gone. */
export function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The parent of a live process. */
export const parentOf = (pid: number): number | undefined => statField(pid, 1);

/** The process group of a live process. */
export function processGroupOf(pid: number): number | undefined {
  const pgid = statField(pid, 2);
  return pgid !== undefined && pgid > 0 ? pgid : undefined;
}

/** The cgroup v2 path of a live process (the `0::` line of /proc/PID/cgroup). */
export function cgroupOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))?.slice(3);
  } catch {
    return undefined;
  }
}
