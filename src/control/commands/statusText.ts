// Upstart's status line: `NAME [(INSTANCE)] GOAL/STATE[, process PID]` plus tab-indented extra processes.
import type { InstanceStatus } from '../../model/engineApi.ts';
import { instanceLabel } from '../../model/instanceRef.ts';

/** Processes shown as `, process PID` when first; the others get `(NAME)` in front. */
const PLAIN_FIRST = new Set(['main', 'pre-start', 'post-stop']);

/** The status text of one instance, every line newline-terminated; `mark` (drift, ours) ends its first line. */
export function formatStatus(s: InstanceStatus, mark = ''): string {
  let text = instanceLabel(s.job, s.instance);
  text += ` ${s.goal}/${s.state}`;
  const [first, ...more] = s.processes;
  if (first !== undefined) text += PLAIN_FIRST.has(first.process) ? `, process ${first.pid}` : `, (${first.process}) process ${first.pid}`;
  text += mark;
  for (const p of more) text += `\n\t${p.process} process ${p.pid}`;
  return `${text}\n`;
}

/** `NAME stop/waiting`: a job with no instance. */
export function waitingStatus(job: string): InstanceStatus {
  return { job, instance: '', goal: 'stop', state: 'waiting', processes: [] };
}
