// What the daemon does with sd_notify messages beyond READY/STATUS: the fd store, the watchdog, STOPPING/RELOADING, EXTEND_TIMEOUT_USEC, MAINPID.
import type { JobClassSpec } from '../model/jobClass.ts';
import { instanceKey, instanceLabel } from '../model/instanceRef.ts';
import type { InstanceStatus } from '../model/engineApi.ts';
import type { Clock } from '../platform/clock.ts';
import { FdStore } from './fdStore.ts';
import type { NotifyListenerOptions, NotifyOwner } from './notifySocket.ts';
import { SpawnReadiness } from './readiness.ts';
import type { SpawnHooks } from './spawnPolicy.ts';
import { Watchdog, type WatchdogStatus } from './watchdog.ts';

export interface ReadinessHubHost {
  clock: Clock;
  specOf(job: string): JobClassSpec | undefined;
  status(job: string, instance: string): InstanceStatus[];
  notifySocket(): string | undefined;
  drainNotify(): void;
  /** Emits `ready JOB=… INSTANCE=…`. */
  ready(job: string, instance: string): void;
  kill(pid: number, signal: string): void;
  /** The process layer tracks `to` as the main process instead of `from` (MAINPID=); false if it cannot. */
  retrack(from: number, to: number): boolean;
  /** Whether the daemon reaps orphans (PID 1 or a child subreaper), so a MAINPID that is not its child still comes back to it. */
  reapsOrphans(): boolean;
  parentOf(pid: number): number | undefined;
  /** Resolves a pid to its job instance, as the notify socket does. */
  ownerOf(pid: number): NotifyOwner | undefined;
  /** Who may hand the daemon fds: root, and the daemon's own user (a session's owner). */
  mayStoreFds(uid: number): boolean;
  pipe(): [number, number];
  closeFd(fd: number): void;
  log(level: 'debug' | 'info' | 'warn', msg: string): void;
}

/** What `initctl status --json` shows as `readiness`. */
export interface ReadinessStatus {
  watchdog?: WatchdogStatus;
  /** STOPPING=1 or RELOADING=1 (a READY=1 after RELOADING=1 clears it). */
  state?: 'stopping' | 'reloading';
}

export class ReadinessHub {
  readonly fdStore: FdStore;
  readonly watchdog: Watchdog;
  private readonly spawns: SpawnReadiness;
  private readonly states = new Map<string, 'stopping' | 'reloading'>();

  constructor(private readonly host: ReadinessHubHost) {
    this.fdStore = new FdStore({ closeFd: (fd) => host.closeFd(fd) });
    this.watchdog = new Watchdog({
      clock: host.clock,
      kill: (pid, signal) => host.kill(pid, signal),
      killTimeout: (job) => host.specOf(job)?.killTimeout ?? 5,
      log: (level, msg) => host.log(level, msg),
    });
    this.spawns = new SpawnReadiness({
      specOf: (job) => host.specOf(job),
      notifySocket: () => host.notifySocket(),
      fdStore: this.fdStore,
      drainNotify: () => host.drainNotify(),
      watchdog: this.watchdog,
      ready: (job, instance) => host.ready(job, instance),
      pipe: () => host.pipe(),
      closeFd: (fd) => host.closeFd(fd),
      log: (level, msg) => host.log(level, msg),
    });
  }

  readonly spawnHooks: SpawnHooks = {
    prepare: (req) => this.spawns.prepare(req),
    exited: (pid) => this.watchdog.exited(pid),
    moved: (from, to) => this.watchdog.moved(from, to),
  };

  /** The notify listener's callbacks for what the hub handles. */
  notifyCallbacks(): Pick<NotifyListenerOptions, 'onWatchdog' | 'onState' | 'onExtendTimeout' | 'onMainPid' | 'onFdStore' | 'closeFd'> {
    const label = (o: NotifyOwner): string => instanceLabel(o.job, o.instance);
    return {
      closeFd: (fd) => this.host.closeFd(fd),
      onWatchdog: (o, what) => {
        const ok = what.kind === 'ping' ? this.watchdog.ping(o.job, o.instance)
          : what.kind === 'trigger' ? this.watchdog.trigger(o.job, o.instance)
          : this.watchdog.setInterval(o.job, o.instance, what.usec);
        if (!ok) this.host.log('debug', `${label(o)}: WATCHDOG message ignored: no watchdog armed (no 'watchdog' stanza, or main is not running)`);
      },
      onState: (o, state) => {
        this.states.set(instanceKey(o.job, o.instance), state);
        this.host.log('info', `${label(o)}: ${state === 'stopping' ? 'STOPPING=1: the job says it is stopping' : 'RELOADING=1: the job says it is reloading'}`);
      },
      onExtendTimeout: (o, usec) => {
        // Upstart-ts's engine is asked through the host's status: only an instance waiting for readiness has a deadline.
        if (!this.extendTimeout(o, usec)) this.host.log('debug', `${label(o)}: EXTEND_TIMEOUT_USEC ignored: not waiting for readiness`);
      },
      onMainPid: (o, pid, sender) => this.mainPid(o, pid, sender),
      onFdStore: (sender, op, name, fds) => {
        if (!this.host.mayStoreFds(sender.uid)) {
          this.host.log('warn', `notify socket: FDSTORE from pid ${sender.pid} (uid ${sender.uid}) refused: only root or the session's owner may hand fds to init`);
          for (const f of fds) this.host.closeFd(f);
          return;
        }
        if (op === 'remove') {
          if (name !== undefined && this.fdStore.remove(name)) this.host.log('debug', `fd store: ${name} removed`);
          return;
        }
        if (fds.length !== 1 || name === undefined) {
          this.host.log('warn', `notify socket: FDSTORE=1 from pid ${sender.pid} needs FDNAME= and exactly one fd (got ${fds.length}), ignored`);
          for (const f of fds) this.host.closeFd(f);
          return;
        }
        if (this.fdStore.deposit(name, fds[0]!)) this.host.log('debug', `fd store: ${name} from pid ${sender.pid}`);
        else this.host.log('warn', `notify socket: FDSTORE=1 FDNAME=${name} from pid ${sender.pid} refused (a bad name, or the store is full)`);
      },
    };
  }

  /** After a re-exec: each running main process of a job with `watchdog` is watched again, from a fresh interval. */
  rearm(instances: InstanceStatus[]): void {
    for (const i of instances) {
      const secs = this.host.specOf(i.job)?.watchdog;
      const main = i.processes.find((p) => p.process === 'main')?.pid;
      if (secs !== undefined && main !== undefined) this.watchdog.arm(i.job, i.instance, main, Math.round(secs * 1e6));
    }
  }

  /** READY=1 ends a RELOADING=1. */
  readied(o: NotifyOwner): void {
    const k = instanceKey(o.job, o.instance);
    if (this.states.get(k) === 'reloading') this.states.delete(k);
  }

  /** Set by the daemon: the engine's EXTEND_TIMEOUT_USEC. */
  extendReadyTimeout: (job: string, instance: string, ms: number) => boolean = () => false;

  private extendTimeout(o: NotifyOwner, usec: number): boolean {
    return this.extendReadyTimeout(o.job, o.instance, Math.ceil(usec / 1000));
  }

  /**
   * MAINPID=N: the instance's main process is now N, when N belongs to the same instance, the job
   * does not let ptrace find its main process (expect fork/daemon/stop), and the daemon will see N
   * end (N is its child, or the daemon reaps orphans).
   */
  private mainPid(o: NotifyOwner, pid: number, sender: number): void {
    const refuse = (why: string): void => this.host.log('warn', `${instanceLabel(o.job, o.instance)}: MAINPID=${pid} from ${sender} ignored: ${why}`);
    const kind = this.host.specOf(o.job)?.expect.kind;
    if (kind === 'fork' || kind === 'daemon' || kind === 'stop') return refuse(`expect ${kind} finds the main process itself`);
    const main = this.host.status(o.job, o.instance)[0]?.processes.find((p) => p.process === 'main')?.pid;
    if (main === undefined) return refuse('the instance has no main process');
    if (main === pid) return;
    const owner = this.host.ownerOf(pid);
    if (owner === undefined || owner.job !== o.job || owner.instance !== o.instance) return refuse('that process is not one of this instance');
    if (!this.host.reapsOrphans() && this.host.parentOf(pid) !== process.pid) return refuse('it is not a child of init, and init is not a subreaper, so its end could not be seen');
    if (!this.host.retrack(main, pid)) return refuse('the process layer does not track the current main process');
    this.host.log('info', `${instanceLabel(o.job, o.instance)}: main process is now ${pid} (MAINPID= from ${sender}; was ${main})`);
  }

  status(job: string, instance: string): ReadinessStatus | undefined {
    const watchdog = this.watchdog.status(job, instance);
    const state = this.states.get(instanceKey(job, instance));
    if (watchdog === undefined && state === undefined) return undefined;
    return { ...(watchdog ? { watchdog } : {}), ...(state ? { state } : {}) };
  }

  /** The instance is gone (its status with it). */
  gone(job: string, instance: string): void {
    this.states.delete(instanceKey(job, instance));
    this.watchdog.forget(job, instance);
  }

  close(): void {
    this.watchdog.close();
    this.fdStore.close();
  }
}
