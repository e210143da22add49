// Test helper: the scheduling policy (0 SCHED_OTHER, 3 SCHED_BATCH, ...) in a /proc/PID/stat line, and of a thread of this process.
import { readFileSync, readdirSync } from 'node:fs';

/** Field 41 of proc(5)'s stat: the policy. */
export function policyFromStat(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
}

/** The policy of each thread of this process. */
export function threadPolicies(): number[] {
  return readdirSync('/proc/self/task').map((t) => {
    try { return policyFromStat(readFileSync(`/proc/self/task/${t}/stat`, 'utf8')); } catch { return -1; }
  });
}
