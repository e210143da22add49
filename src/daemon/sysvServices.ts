// SysV init scripts as services (docs/sysv.md): runs a script's start or stop for upstart-rc between its lifecycle events, and keeps each one's state for list and status.
import type { JobEventName } from '../model/condition.ts';
import { EngineError } from '../model/engineApi.ts';
import type { HelperResult } from '../process/helperRuns.ts';
import type { SysvRunRequest, SysvRunResult, SysvStatus, SysvStatusAnswer } from '../model/sysv.ts';

export type { SysvRunRequest, SysvRunResult, SysvStatus } from '../model/sysv.ts';

export interface SysvDeps {
  /** Engine.serviceEvent: a lifecycle event with JOB=NAME that level leaves follow. */
  serviceEvent(name: JobEventName, service: string, env: string[], wait: boolean): Promise<void>;
  /** A job class of that name is loaded (the job is the service; the script is not run). */
  isJob(name: string): boolean;
  /** The global job environment table (PATH, TERM, ...), the base of each script's environment. */
  jobEnv(): Map<string, string>;
  /** Runs a program through the native layer with stdout+stderr collected, killed after timeoutMs. */
  runHelper(argv: string[], env: string[], timeoutMs: number): Promise<HelperResult>;
  log(level: 'info' | 'warn' | 'error' | 'debug', msg: string): void;
}

/** Invariants: at most one run per name at a time (`busy`); a name that is a job class is never run. */
export class SysvServices {
  private readonly table = new Map<string, SysvStatus>();
  private readonly busy = new Set<string>();

  constructor(private readonly deps: SysvDeps) {}

  list(): SysvStatus[] {
    return [...this.table.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): SysvStatus | undefined {
    return this.table.get(name);
  }

  /** The status line of a known script; with `ask`, from its `status` action where that answers (LSB exit codes). */
  async status(name: string, ask = true): Promise<SysvStatusAnswer | undefined> {
    const s = this.table.get(name);
    if (s === undefined) return undefined;
    let goal = s.goal;
    let state: SysvStatus['state'] = s.state;
    let statusExit: number | undefined;
    let statusOutput: string | undefined;
    if (ask && !this.busy.has(name)) {
      try {
        const r = await this.deps.runHelper([s.script, 'status'], this.scriptEnv([]), 30_000);
        statusOutput = r.output;
        if (r.exit.kind === 'exited') statusExit = r.exit.status;
        // LSB: 0 running; 1, 2, 3 not running; 4 (or a usage text) unknown: keep what the daemon saw.
        if (statusExit === 0 && !/usage:/i.test(r.output)) [goal, state] = ['start', 'running'];
        else if (statusExit !== undefined && statusExit >= 1 && statusExit <= 3 && !/usage:/i.test(r.output)) [goal, state] = ['stop', 'waiting'];
      } catch {
        // Not runnable now: the recorded state stands.
      }
    }
    return {
      status: { job: name, instance: 'sysv', goal, state, processes: [] },
      ...(statusExit !== undefined ? { statusExit } : {}),
      ...(statusOutput !== undefined ? { statusOutput } : {}),
    };
  }

  /** Runs one action of one script between its lifecycle events (docs/sysv.md, "Events"). */
  async run(r: SysvRunRequest): Promise<SysvRunResult> {
    if (!/^[^\s/=]+$/.test(r.name)) throw new EngineError('invalid', `Invalid service name: ${JSON.stringify(r.name)}`);
    if (!r.script.startsWith('/')) throw new EngineError('invalid', `${r.name}: the script path must be absolute: ${r.script}`);
    if (!Number.isSafeInteger(r.timeoutMs) || r.timeoutMs <= 0) throw new EngineError('invalid', `${r.name}: timeoutMs must be a positive integer`);
    if (this.deps.isJob(r.name)) throw new EngineError('invalid', `${r.name} is a job: its init script is not run (start or stop the job)`);
    if (this.busy.has(r.name)) throw new EngineError('already-running', `${r.name}: its init script is already being run`);
    this.busy.add(r.name);
    try {
      return r.action === 'start' ? await this.start(r) : await this.stop(r);
    } finally {
      this.busy.delete(r.name);
    }
  }

  private async start(r: SysvRunRequest): Promise<SysvRunResult> {
    const tag = this.tags(r);
    this.set(r, 'start', 'starting');
    await this.emit('starting', r.name, tag, true);
    const res = await this.exec(r);
    if (res.result === 'ok') {
      this.set(r, 'start', 'running', res);
      await this.emit('started', r.name, tag, false);
      return res;
    }
    this.deps.log('warn', `${r.name} (sysv) start failed: ${res.reason ?? 'unknown reason'}`);
    const ended = [...tag, ...this.endEnv(res)];
    this.set(r, 'stop', 'stopping', res);
    await this.emit('stopping', r.name, ended, true);
    this.set(r, 'stop', 'waiting', res);
    await this.emit('stopped', r.name, ended, false);
    return res;
  }

  private async stop(r: SysvRunRequest): Promise<SysvRunResult> {
    const tag = this.tags(r);
    this.set(r, 'stop', 'stopping');
    await this.emit('stopping', r.name, [...tag, 'RESULT=ok', 'PROCESS=main'], true);
    const res = await this.exec(r);
    if (res.result !== 'ok') this.deps.log('warn', `${r.name} (sysv) stop failed: ${res.reason ?? 'unknown reason'}`);
    this.set(r, 'stop', 'waiting', res);
    await this.emit('stopped', r.name, [...tag, ...this.endEnv(res)], false);
    return res;
  }

  private tags(r: SysvRunRequest): string[] {
    if (r.note !== undefined) this.deps.log('warn', `${r.name} (sysv): ${r.note}`);
    return ['SYSV=1', ...(r.note !== undefined ? [`SYSV_NOTE=${r.note}`] : [])];
  }

  /** RESULT, PROCESS and EXIT_STATUS / EXIT_SIGNAL as a job's stopped event has them, plus SYSV_REASON on failure. */
  private endEnv(res: SysvRunResult): string[] {
    return [
      `RESULT=${res.result}`,
      'PROCESS=main',
      ...(res.exitStatus !== undefined ? [`EXIT_STATUS=${res.exitStatus}`] : []),
      ...(res.exitSignal !== undefined ? [`EXIT_SIGNAL=${res.exitSignal}`] : []),
      ...(res.reason !== undefined ? [`SYSV_REASON=${res.reason}`] : []),
    ];
  }

  private async emit(name: JobEventName, service: string, env: string[], wait: boolean): Promise<void> {
    // A job that failed because of the event does not fail the script (as a job goes on past it).
    await this.deps.serviceEvent(name, service, env, wait).catch(() => undefined);
  }

  private set(r: SysvRunRequest, goal: SysvStatus['goal'], state: SysvStatus['state'], res?: SysvRunResult): void {
    const prev = this.table.get(r.name);
    const s: SysvStatus = { name: r.name, script: r.script, goal, state };
    const result = res?.result ?? prev?.result;
    const reason = res !== undefined ? res.reason : prev?.reason;
    if (result !== undefined) s.result = result;
    if (reason !== undefined) s.reason = reason;
    this.table.set(r.name, s);
  }

  private scriptEnv(extra: string[]): string[] {
    const env = new Map(this.deps.jobEnv());
    for (const e of extra) {
      const i = e.indexOf('=');
      if (i > 0) env.set(e.slice(0, i), e.slice(i + 1));
    }
    return [...env].map(([k, v]) => `${k}=${v}`);
  }

  private async exec(r: SysvRunRequest): Promise<SysvRunResult> {
    let h: HelperResult;
    try {
      h = await this.deps.runHelper([r.script, r.action], this.scriptEnv(r.env), r.timeoutMs);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const reason = code === 'EACCES' ? 'not executable' : code === 'ENOENT' ? 'not found' : `cannot be run: ${(err as Error).message}`;
      return { result: 'failed', reason, output: '' };
    }
    if (h.exit.kind === 'exited') {
      if (h.exit.status === 0) return { result: 'ok', exitStatus: 0, output: h.output };
      return { result: 'failed', exitStatus: h.exit.status, reason: `exited with status ${h.exit.status}`, output: h.output };
    }
    const timedOut = h.exit.signal === 'KILL' && h.timedOut === true;
    return {
      result: 'failed',
      exitSignal: h.exit.signal,
      reason: timedOut ? `timed out after ${r.timeoutMs / 1000} s` : `killed by signal ${h.exit.signal}`,
      output: h.output,
    };
  }
}
