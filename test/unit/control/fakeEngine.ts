// A small in-memory EngineApi for the control tests: classes, instances with fixed pids, env, journal.
import { EngineError, type EngineApi, type EnvScope, type InstanceStatus, type JournalEntry, type WhyReport } from '../../../src/model/engineApi.ts';
import { defaultJobClass, type JobClassSpec } from '../../../src/model/jobClass.ts';
import type { DaemonHooks } from '../../../src/control/hooks.ts';
import { EnvTable, instanceName } from '../../../src/job/environment.ts';
import type { LogPriority } from '../../../src/log/daemonLog.ts';

export class FakeEngine implements EngineApi {
  readonly specs = new Map<string, JobClassSpec>();
  readonly instances = new Map<string, InstanceStatus[]>();
  readonly env = new EnvTable([['PATH', '/usr/bin:/bin'], ['TERM', 'linux']]);
  /** Live instances' own tables, by `job/instance`. */
  readonly instanceEnv = new Map<string, Map<string, string>>();
  readonly emitted: Array<{ name: string; env: string[]; wait: boolean }> = [];
  readonly calls: string[] = [];
  private readonly listeners = new Set<(e: JournalEntry) => void>();
  private nextPid = 1000;
  /** Set to make emit fail, as the engine does when a job the event moved failed. */
  failEmit = false;

  add(name: string, patch: Partial<JobClassSpec> = {}): this {
    this.specs.set(name, { ...defaultJobClass(name), ...patch });
    return this;
  }

  setInstances(job: string, list: InstanceStatus[]): this {
    this.instances.set(job, list);
    return this;
  }

  addOrReplaceClass(spec: JobClassSpec): void {
    this.specs.set(spec.name, spec);
  }
  removeClass(name: string): void {
    this.specs.delete(name);
  }
  getClass(name: string): JobClassSpec | undefined {
    return this.specs.get(name);
  }
  classes(): JobClassSpec[] {
    return [...this.specs.values()];
  }
  private known(job: string): void {
    if (!this.specs.has(job)) throw new EngineError('unknown-job', `Unknown job: ${job}`);
  }
  /** The engine's own rule (job/environment.ts), over this fake's job env table. */
  instanceOf(job: string, env: readonly string[]): string {
    const spec = this.specs.get(job);
    if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${job}`);
    const r = instanceName(spec, { jobEnv: this.env, inherited: {}, session: [] }, env);
    if ('missing' in r) throw new EngineError('invalid', `Unknown parameter: ${r.missing}`);
    return r.name;
  }
  status(job: string, instance?: string): InstanceStatus[] {
    this.known(job);
    const all = this.instances.get(job) ?? [];
    return instance === undefined ? all : all.filter((i) => i.instance === instance);
  }
  async start(job: string, env: string[], wait: boolean): Promise<InstanceStatus> {
    this.known(job);
    this.calls.push(`start ${job} ${env.join(' ')} wait=${wait}`);
    const name = this.instanceOf(job, env);
    const list = this.instances.get(job) ?? [];
    if (list.some((i) => i.instance === name && i.goal === 'start')) throw new EngineError('already-running', `Job is already running: ${job}`);
    const s: InstanceStatus = { job, instance: name, goal: 'start', state: 'running', processes: [{ process: 'main', pid: this.nextPid++ }] };
    this.instances.set(job, [...list.filter((i) => i.instance !== name), s]);
    this.journal({ t: 1500, wall: 0, kind: 'state', job, instance: name, goal: 'start', state: 'running' });
    return s;
  }
  async stop(job: string, env: string[], wait: boolean): Promise<InstanceStatus> {
    this.known(job);
    this.calls.push(`stop ${job} ${env.join(' ')} wait=${wait}`);
    const name = this.instanceOf(job, env);
    const list = this.instances.get(job) ?? [];
    const cur = list.find((i) => i.instance === name);
    if (cur === undefined || cur.goal === 'stop') throw new EngineError('already-stopped', `Job has already been stopped: ${job}`);
    this.instances.set(job, list.filter((i) => i !== cur));
    return { ...cur, goal: 'stop', state: 'waiting', processes: [] };
  }
  async restart(job: string, env: string[], wait: boolean): Promise<InstanceStatus> {
    await this.stop(job, env, wait);
    return this.start(job, env, wait);
  }
  reload(job: string, env: string[]): void {
    this.known(job);
    this.calls.push(`reload ${job} ${env.join(' ')}`);
  }
  async emit(name: string, env: string[], wait: boolean): Promise<void> {
    this.emitted.push({ name, env, wait });
    if (this.failEmit) throw new EngineError('failed', 'Event failed');
  }
  jobEnv(): Map<string, string> {
    return this.env;
  }
  private tables(scope: EnvScope): Array<Map<string, string>> {
    if (scope.kind === 'global') return [this.env, ...this.instanceEnv.values()];
    const t = this.instanceEnv.get(`${scope.job}/${scope.instance}`);
    if (t === undefined) throw new EngineError('unknown-instance', `Unknown instance: ${scope.job}`);
    return [t];
  }
  envList(scope: EnvScope): Array<[string, string]> {
    return [...this.tables(scope)[0]!].sort(([a], [b]) => (a < b ? -1 : 1));
  }
  envSet(scope: EnvScope, pairs: ReadonlyArray<[string, string]>, retain: boolean): void {
    for (const t of this.tables(scope)) for (const [k, v] of pairs) if (!(retain && t.has(k))) t.set(k, v);
  }
  envUnset(scope: EnvScope, names: readonly string[], retain: boolean): void {
    for (const t of this.tables(scope)) for (const k of names) if (!(retain && t.has(k))) t.delete(k);
  }
  envReset(scope: EnvScope, defaults: ReadonlyMap<string, string>): void {
    const t = this.tables(scope)[0]!;
    t.clear();
    for (const [k, v] of defaults) t.set(k, v);
  }
  why(job: string): WhyReport {
    this.known(job);
    return {
      job,
      start: { value: false, leaves: [{ text: 'started a', value: true, changedBy: 'event started a at 1.000s' }, { text: 'b', value: false }] },
    };
  }
  subscribe(fn: (entry: JournalEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
  journal(e: JournalEntry): void {
    for (const l of [...this.listeners]) l(e);
  }
}

export class FakeHooks implements DaemonHooks {
  priority: LogPriority = 'message';
  /** watch-config streams waiting for a change of the job classes (classesChanged() tells them). */
  readonly classWatchers = new Set<() => void>();
  watchClasses(fn: () => void): () => void {
    this.classWatchers.add(fn);
    return () => { this.classWatchers.delete(fn); };
  }
  classesChanged(): void {
    for (const fn of this.classWatchers) fn();
  }
  reloads = 0;
  flushes = 0;
  readonly past: JournalEntry[] = [
    { t: 0, wall: 0, kind: 'event', name: 'startup', env: [] },
    { t: 12, wall: 0, kind: 'spawn', job: 'foo', instance: '', process: 'main', pid: 42 },
  ];
  version(): string {
    return 'init (upstart-ts 0.1.0)';
  }
  reloadConfiguration(): void {
    this.reloads++;
  }
  notifyDiskWriteable(): void {
    this.flushes++;
  }
  readonly addresses: string[] = [];
  notifyAddress(kind: 'dbus' | 'cgroup-manager', address: string): void {
    if (kind === 'dbus' && address === 'refused') throw new EngineError('denied', 'notify-dbus-address is only permitted in a session init');
    this.addresses.push(`${kind} ${address}`);
  }
  getLogPriority(): LogPriority {
    return this.priority;
  }
  setLogPriority(p: LogPriority): void {
    this.priority = p;
  }
  listSessions(): Array<{ pid: number; session: string }> {
    return [{ pid: 77, session: 'unix:path=/run/user/1000/upstart/session-77.sock' }];
  }
  journal(): JournalEntry[] {
    return this.past;
  }
  defaultJobEnv(): Map<string, string> {
    return new Map([['PATH', '/usr/bin:/bin'], ['TERM', 'linux']]);
  }
}
