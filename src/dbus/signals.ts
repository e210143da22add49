// Upstart's D-Bus signals made from the engine's journal (events, state changes) and from job classes coming and going.
import { signalNumber } from '../model/signals.ts';
import type { JournalEntry } from '../model/engineApi.ts';
import { IFACE_INSTANCE, IFACE_JOB, IFACE_MANAGER } from './interfaces.ts';
import { instancePath, jobPath, UPSTART_PATH } from './paths.ts';
import type { DbusValue } from './wire.ts';

export interface OutSignal {
  path: string;
  interface: string;
  member: string;
  signature: string;
  body: DbusValue[];
}

/**
 * Follows the journal and says what Upstart would have signalled:
 * - EventEmitted(name, env) for every event;
 * - InstanceAdded when an instance first shows up, InstanceRemoved when it is back at stop/waiting
 *   (the engine forgets it then), GoalChanged / StateChanged as they change;
 * - Failed(status) when a `stopping` event says RESULT=failed (EXIT_STATUS, or the signal's number);
 * - JobAdded / JobRemoved when the set of classes changes (classesChanged()).
 */
export class SignalSource {
  private readonly instances = new Map<string, { goal: string; state: string }>();
  private jobs = new Set<string>();

  /** listening: whether anyone would get a signal now; when not, only the bookkeeping is done (a boot's fan-out costs nothing more). */
  constructor(private readonly out: (s: OutSignal) => void, jobs: Iterable<string> = [], private readonly listening: () => boolean = () => true) {
    this.jobs = new Set(jobs);
  }

  private emit(s: OutSignal): void {
    this.out(s);
  }

  /** The classes now; signals the names added and removed since the last call. */
  classesChanged(names: Iterable<string>): void {
    const now = new Set(names);
    for (const n of now) if (!this.jobs.has(n)) this.emit({ path: UPSTART_PATH, interface: IFACE_MANAGER, member: 'JobAdded', signature: 'o', body: [jobPath(n)] });
    for (const n of this.jobs) if (!now.has(n)) this.emit({ path: UPSTART_PATH, interface: IFACE_MANAGER, member: 'JobRemoved', signature: 'o', body: [jobPath(n)] });
    this.jobs = now;
  }

  entry(e: JournalEntry): void {
    if (e.kind === 'event') {
      if (!this.listening()) return;
      this.emit({ path: UPSTART_PATH, interface: IFACE_MANAGER, member: 'EventEmitted', signature: 'sas', body: [e.name, [...e.env]] });
      if (e.name === 'stopping') this.failed(e.env);
      return;
    }
    if (e.kind !== 'state') return;
    const key = `${e.job}\0${e.instance}`;
    const on = this.listening();
    const ipath = on ? instancePath(e.job, e.instance) : '';
    let cur = this.instances.get(key);
    if (cur === undefined) {
      if (e.goal === 'stop' && e.state === 'waiting') return;
      cur = { goal: 'stop', state: 'waiting' };
      this.instances.set(key, cur);
      if (on) this.emit({ path: jobPath(e.job), interface: IFACE_JOB, member: 'InstanceAdded', signature: 'o', body: [ipath] });
    }
    if (cur.goal !== e.goal) {
      cur.goal = e.goal;
      if (on) this.emit({ path: ipath, interface: IFACE_INSTANCE, member: 'GoalChanged', signature: 's', body: [e.goal] });
    }
    if (cur.state !== e.state) {
      cur.state = e.state;
      if (on) this.emit({ path: ipath, interface: IFACE_INSTANCE, member: 'StateChanged', signature: 's', body: [e.state] });
    }
    if (e.goal === 'stop' && e.state === 'waiting') {
      this.instances.delete(key);
      if (on) this.emit({ path: jobPath(e.job), interface: IFACE_JOB, member: 'InstanceRemoved', signature: 'o', body: [ipath] });
    }
  }

  private failed(env: readonly string[]): void {
    const get = (k: string): string | undefined => env.find((x) => x.startsWith(`${k}=`))?.slice(k.length + 1);
    if (get('RESULT') !== 'failed' || !this.listening()) return;
    const job = get('JOB');
    if (job === undefined) return;
    const status = get('EXIT_STATUS');
    const signal = get('EXIT_SIGNAL');
    const signo = signal === undefined ? undefined : signalNumber(signal) ?? Number(signal);
    const n = status !== undefined ? Number(status) : signo !== undefined && Number.isFinite(signo) ? signo : -1;
    this.emit({ path: instancePath(job, get('INSTANCE') ?? ''), interface: IFACE_INSTANCE, member: 'Failed', signature: 'i', body: [Number.isInteger(n) ? n : -1] });
  }
}
