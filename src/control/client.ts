// The typed client library: connect(path) → a ControlClient whose methods are the protocol's requests.
import type { ActionResult } from '../model/actions.ts';
import type { ReloadPlan } from '../config/classDiff.ts';
import type { EmitDryRun } from '../job/dryRun.ts';
import { connect as netConnect, type Socket } from 'node:net';
import type { InstanceStatus, JournalEntry, WhyReport } from '../model/engineApi.ts';
import type { SysvRunRequest, SysvRunResult, SysvStatus } from '../model/sysv.ts';
import { LineBuffer } from './lineBuffer.ts';
import { decodeReply, encodeLine } from './codec.ts';
import {
  MAX_LINE_BYTES, PROTOCOL_NAME, PROTOCOL_VERSION,
  type ConfigSummary, type ErrorCode, type PendingChange, type Reply, type Request, type RequestType, type ResultMap, type RunlevelState, type SessionInfo,
} from './protocol.ts';

/** A failure reported by the daemon (its code) or by the connection (`closed`, `bad-request`, ...). */
export class ControlError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ControlError';
    this.code = code;
  }
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitStatus: number;
}

export interface Subscription {
  /** Ends the subscription; resolves when the daemon confirms. */
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  onEvent?: (entry: JournalEntry) => void;
  onConfig?: (summaries: ConfigSummary[]) => void;
}

/** Omit distributed over the request union (so each member keeps its own fields). */
type Body<T extends Request['type']> = Omit<Extract<Request, { type: T }>, 'id' | 'type'>;

export interface WaitOption {
  /** Wait for the job (or every job the event moved) to settle; default true. */
  wait?: boolean;
}

/** One connection to a daemon. Every pending call rejects with the reason when the connection closes. */
export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly lines = new LineBuffer(MAX_LINE_BYTES);
  private closedWith: ControlError | undefined;
  private greeted: { resolve(): void; reject(err: Error): void } | undefined;
  /** The version the daemon announced in its hello. */
  serverVersion = 0;
  serverName = '';

  /** @internal use connect(). */
  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new ControlError('closed', `control connection failed: ${err.message}`)));
    socket.on('close', () => this.fail(new ControlError('closed', 'the daemon closed the control connection')));
  }

  /** @internal */
  handshake(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.greeted = { resolve, reject };
      this.socket.write(encodeLine({ protocol: PROTOCOL_NAME, version: PROTOCOL_VERSION }));
    });
  }

  /** Whether the connection is gone (then every call rejects with code `closed`). */
  get isClosed(): boolean {
    return this.closedWith !== undefined;
  }

  close(): void {
    this.fail(new ControlError('closed', 'the client closed the connection'));
  }

  private readonly closeListeners: Array<(err: ControlError) => void> = [];

  /** Calls fn once the connection is gone (closed by either side, or failed); at once if it already is. */
  onClose(fn: (err: ControlError) => void): void {
    if (this.closedWith !== undefined) fn(this.closedWith);
    else this.closeListeners.push(fn);
  }

  private fail(err: ControlError): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = err;
    for (const fn of this.closeListeners.splice(0)) fn(err);
    this.greeted?.reject(err);
    this.greeted = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const r = this.lines.push(chunk);
    for (const line of r.lines) {
      const d = decodeReply(line);
      if (!d.ok) return this.fail(new ControlError(d.code, `bad reply from the daemon: ${d.message}`));
      this.onReply(d.value);
    }
    if (r.overflow) this.fail(new ControlError('too-long', 'reply line from the daemon is too long'));
  }

  private onReply(r: Reply): void {
    switch (r.type) {
      case 'hello':
        this.serverVersion = r.version;
        this.serverName = r.server;
        this.greeted?.resolve();
        this.greeted = undefined;
        return;
      case 'error': {
        const err = new ControlError(r.code, r.message);
        if (r.id === null) return this.fail(err);
        const p = this.pending.get(r.id);
        this.pending.delete(r.id);
        p?.reject(err);
        return;
      }
      case 'result': {
        const p = this.pending.get(r.id);
        this.pending.delete(r.id);
        p?.resolve(r.value);
        return;
      }
      case 'exit': {
        const p = this.pending.get(r.id);
        this.pending.delete(r.id);
        p?.resolve(r.status);
        return;
      }
      case 'output':
        this.pending.get(r.id)?.onOutput?.(r.stream, r.data);
        return;
      case 'event':
        this.pending.get(r.id)?.onEvent?.(r.entry);
        return;
      case 'config':
        this.pending.get(r.id)?.onConfig?.(r.summaries);
        return;
    }
  }

  private call<T extends Request['type']>(type: T, body: Body<T>, hooks: Partial<Pending> = {}): { id: number; done: Promise<unknown> } {
    const id = this.nextId++;
    if (this.closedWith !== undefined) return { id, done: Promise.reject(this.closedWith) };
    const done = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...hooks });
    });
    this.socket.write(encodeLine({ ...body, type, id } as Request));
    return { id, done };
  }

  private async request<R>(type: Request['type'], body: object = {}): Promise<R> {
    return (await this.call(type as 'list', body as Body<'list'>).done) as R;
  }

  /** Any request of the protocol by its type (protocol.ts), for those without a method of their own. */
  async send<T extends Exclude<RequestType, 'command' | 'cancel' | 'subscribe' | 'watch-config'>>(type: T, body: Body<T>): Promise<ResultMap[T]> {
    return (await this.call(type, body).done) as ResultMap[T];
  }

  status(job: string, instance?: string): Promise<InstanceStatus[]> {
    return this.request('status', instance === undefined ? { job } : { job, instance });
  }
  /** Every instance of every job; a job without instances appears as `stop/waiting`. */
  list(): Promise<InstanceStatus[]> {
    return this.request('list');
  }
  start(job: string, env: string[] = [], o: WaitOption = {}): Promise<InstanceStatus> {
    return this.request('start', { job, env, wait: o.wait ?? true });
  }
  stop(job: string, env: string[] = [], o: WaitOption = {}): Promise<InstanceStatus> {
    return this.request('stop', { job, env, wait: o.wait ?? true });
  }
  restart(job: string, env: string[] = [], o: WaitOption = {}): Promise<InstanceStatus> {
    return this.request('restart', { job, env, wait: o.wait ?? true });
  }
  async reload(job: string, env: string[] = []): Promise<void> {
    await this.request('reload', { job, env });
  }
  async emit(name: string, env: string[] = [], o: WaitOption = {}): Promise<void> {
    await this.request('emit', { name, env, wait: o.wait ?? true });
  }
  version(): Promise<string> {
    return this.request('version');
  }
  getLogPriority(): Promise<string> {
    return this.request('get-log-priority');
  }
  async setLogPriority(priority: string): Promise<void> {
    await this.request('set-log-priority', { priority });
  }
  listEnv(): Promise<Record<string, string>> {
    return this.request('list-env');
  }
  getEnv(name: string): Promise<string> {
    return this.request('get-env', { name });
  }
  async setEnv(name: string, value: string, o: { retain?: boolean } = {}): Promise<void> {
    await this.request('set-env', { name, value, retain: o.retain ?? false });
  }
  async unsetEnv(name: string): Promise<void> {
    await this.request('unset-env', { name });
  }
  async resetEnv(): Promise<void> {
    await this.request('reset-env');
  }
  async reloadConfiguration(): Promise<void> {
    await this.request('reload-configuration');
  }
  async notifyDiskWriteable(): Promise<void> {
    await this.request('notify-disk-writeable');
  }
  listSessions(): Promise<SessionInfo[]> {
    return this.request('list-sessions');
  }
  showConfig(job?: string): Promise<ConfigSummary[]> {
    return this.request('show-config', job === undefined ? {} : { job });
  }
  why(job: string): Promise<WhyReport> {
    return this.request('why', { job });
  }
  journal(): Promise<JournalEntry[]> {
    return this.request('journal');
  }
  /** Runs one action of one SysV init script as service NAME, with its lifecycle events (docs/sysv.md). */
  sysvRun(r: SysvRunRequest): Promise<SysvRunResult> {
    return this.request('sysv-run', r);
  }
  /** The SysV init scripts the daemon has run, with their states. */
  sysvList(): Promise<SysvStatus[]> {
    return this.request('sysv-list');
  }

  /** runlevel(8): init's current and previous runlevel (`N`: none), and a pending change. */
  runlevel(): Promise<RunlevelState> {
    return this.request('runlevel');
  }
  /** telinit(8) / shutdown(8): changes the runlevel (at `at`, ms since the epoch, if given). */
  telinit(runlevel: string, env: string[] = [], o: { at?: number; message?: string } = {}): Promise<{ replaced?: PendingChange }> {
    return this.request('telinit', { runlevel, env, ...o });
  }
  /** shutdown -c. */
  cancelShutdown(): Promise<{ cancelled?: PendingChange }> {
    return this.request('cancel-shutdown');
  }

  /** Runs JOB's custom action ACTION in the instance `env` selects (docs/actions.md); with wait (default), once it has ended. */
  action(job: string, action: string, env: string[] = [], o: WaitOption = {}): Promise<ActionResult> {
    return this.request('action', { job, action, env, wait: o.wait ?? true });
  }

  /** What emitting NAME ENV would start, stop or restart; changes nothing (docs/actions.md). */
  emitDryRun(name: string, env: string[] = []): Promise<EmitDryRun> {
    return this.request('emit-dry-run', { name, env });
  }
  /** What reload-configuration would change, reading the conf dirs (or `from`, an absolute directory). */
  reloadDryRun(from?: string): Promise<ReloadPlan> {
    return this.request('reload-dry-run', from === undefined ? {} : { from });
  }

  /** Streams every future journal entry to onEntry until close() (or the connection ends). */
  subscribe(onEntry: (entry: JournalEntry) => void): Subscription {
    return this.stream(this.call('subscribe', {}, { onEvent: onEntry }));
  }

  /** The job list (as show-config gives it) to onConfig at once, then after each change of the job classes, until close(). */
  watchConfig(onConfig: (summaries: ConfigSummary[]) => void): Subscription {
    return this.stream(this.call('watch-config', {}, { onConfig }));
  }

  private stream({ id, done }: { id: number; done: Promise<unknown> }): Subscription {
    done.catch(() => undefined);
    return {
      close: async () => {
        if (this.closedWith !== undefined) return;
        await this.call('cancel', { target: id }).done;
        await done;
      },
    };
  }

  /**
   * Runs a whole initctl command line in the daemon (argv[0] is the program name: `initctl`, or an
   * alias such as `start`). Output is passed to onOutput as it arrives; without onOutput it is
   * collected into the result (do not collect an endless `events --follow`).
   */
  async command(
    argv: string[],
    env: Record<string, string> = {},
    onOutput?: (stream: 'stdout' | 'stderr', data: string) => void,
  ): Promise<CommandResult> {
    const res: CommandResult = { stdout: '', stderr: '', exitStatus: 0 };
    const { done } = this.call('command', { argv, env }, {
      onOutput: (stream, data) => {
        if (onOutput) onOutput(stream, data);
        else res[stream] += data;
      },
    });
    res.exitStatus = (await done) as number;
    return res;
  }
}

/** Connects to a control socket (a path, or `\0name` for an abstract socket) and completes the handshake. */
export async function connect(path: string): Promise<ControlClient> {
  const socket = netConnect({ path });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (err) => reject(new ControlError('closed', `cannot connect to ${path.replace('\0', '@')}: ${err.message}`)));
  });
  const client = new ControlClient(socket);
  await client.handshake();
  return client;
}
