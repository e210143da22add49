// The composition root: wires config, engine, process layer, logging and control into one running daemon.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfDirs, watchConfDirs, type ConfChange, type ConfWatcher, type LoadResult } from '../config/sources.ts';
import { ControlServer } from '../control/server.ts';
import type { DaemonHooks } from '../control/hooks.ts';
import { Engine } from '../job/engine.ts';
import { EngineError } from '../model/engineApi.ts';
import { DaemonLog, type LogPriority } from '../log/daemonLog.ts';
import { JobLogger } from '../log/jobLogger.ts';
import { Journal } from '../log/journal.ts';
import type { JobClassSpec, RLimit } from '../model/jobClass.ts';
import { realClock } from '../platform/clock.ts';
import { CgroupTree } from '../process/cgroupTree.ts';
import { cgroupOf } from '../process/procStat.ts';
import * as native from '../process/native.ts';
import { NativeProcessPort } from '../process/nativePort.ts';
import type { ProcessPort } from '../process/port.ts';
import type { DaemonOptions } from './options.ts';
import type { DaemonPaths } from './paths.ts';
import { listSessions, removeSessionFile, sessionDir, writeSessionFile } from './sessions.ts';
import { NotifyListener } from './notifySocket.ts';
import { tmpfilesHandler } from './tmpfiles.ts';
import { VERSION } from './version.ts';

export interface DaemonContext {
  options: DaemonOptions;
  paths: DaemonPaths;
  pid1: boolean;
  /** PID 1 in a container: SIGTERM shuts down instead of re-executing. */
  container: boolean;
  env: Record<string, string | undefined>;
  uid: number;
}

/**
 * What the daemon changes in every spawn request: under --no-log `console log` becomes `console
 * none` (init(8)); a job without `limit nofile` gets the open-file limit the daemon itself was
 * started with, not the raised one it keeps for its ptys and logs (programs that loop over every
 * possible fd, or use select(), break with a huge soft limit); the main process of a job with
 * `expect CONDITION` gets NOTIFY_SOCKET.
 */
function adjustSpawns(
  port: ProcessPort,
  noLog: boolean,
  nofile: RLimit | undefined,
  notifySocket: () => string | undefined,
  gone: (job: string, instance: string) => void,
): ProcessPort {
  return {
    spawn: (req) => {
      let r = req;
      if (noLog && r.console === 'log') r = { ...r, console: 'none' };
      if (nofile !== undefined && r.limits.nofile === undefined) r = { ...r, limits: { ...r.limits, nofile } };
      // A main process whose job waits for a readiness condition may say READY=1 (sd_notify).
      const notify = r.expect.kind === 'event' ? notifySocket() : undefined;
      if (notify !== undefined) r = { ...r, env: [...r.env, `NOTIFY_SOCKET=${notify}`] };
      return port.spawn(r);
    },
    kill: (pid, signal, group) => port.kill(pid, signal, group),
    resume: (pid) => port.resume(pid),
    setEvents: (events) => port.setEvents(events),
    instanceGone: (job, instance) => {
      gone(job, instance);
      port.instanceGone?.(job, instance);
    },
  };
}

function readNofile(): RLimit | undefined {
  try {
    return native.getrlimit('nofile');
  } catch {
    return undefined;
  }
}

/** The kernel's ceiling for RLIMIT_NOFILE (fs.nr_open), capped at 1,048,576. */
function nrOpen(): number | undefined {
  try {
    const n = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? Math.min(n, 1 << 20) : undefined;
  } catch {
    return undefined;
  }
}

export class Daemon {
  readonly log: DaemonLog;
  readonly engine: Engine;
  readonly journal: Journal;
  readonly jobLogger: JobLogger;
  private readonly port: NativeProcessPort;
  /** Each job instance's cgroup (DESIGN §3.5), once the daemon could make them. */
  private cgroups: CgroupTree | undefined;
  /** performance.now() before which jobCgroups() does not look again (Infinity: never). */
  private cgroupsRetryAt = 0;
  private server: ControlServer | undefined;
  /** $NOTIFY_SOCKET: READY=1 from a job's process emits `ready JOB=… INSTANCE=…`. */
  private notify: NotifyListener | undefined;
  /** The last STATUS= of each live instance (job\0instance), forgotten when the instance is. */
  private readonly notifyStatus = new Map<string, string>();
  private watcher: ConfWatcher | undefined;
  private readonly initialJobEnv: Map<string, string>;
  private stopping = false;
  /** RLIMIT_NOFILE as the daemon was started, for jobs (the daemon raises its own). */
  private readonly startNofile: RLimit | undefined = readNofile();
  private sessionFile: string | undefined;
  private exitResolve!: (code: number) => void;
  /** Resolves with the exit status once the daemon has shut down. */
  readonly exited = new Promise<number>((r) => { this.exitResolve = r; });

  constructor(private readonly ctx: DaemonContext) {
    const o = ctx.options;
    const priority: LogPriority = o.verbosity === 'debug' ? 'debug' : o.verbosity === 'error' ? 'error' : 'message';
    this.log = new DaemonLog({ priority, kmsg: ctx.pid1 && !ctx.container });
    // UPSTART_TS_LOG_PUMP=0 reads job output on the event loop instead of native threads (diagnosis, bench/log).
    this.jobLogger = new JobLogger({ logDir: ctx.paths.logdir, logger: this.log, nativePump: ctx.env.UPSTART_TS_LOG_PUMP !== '0' });
    this.journal = new Journal({ logDir: ctx.paths.logdir, logger: this.log });
    this.port = new NativeProcessPort({
      sink: this.jobLogger,
      logger: (level, msg) => this.log.log(level, msg),
      onUnowned: (pid) => this.log.debug(`reaped orphan ${pid}`),
      cgroups: () => this.jobCgroups(),
    });
    const sessionEnv = [`UPSTART_SESSION=unix:path=${ctx.paths.socket}`];
    const inherited: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) inherited[k] = v;
    this.engine = new Engine(
      {
        process: adjustSpawns(this.port, o.noLog, this.startNofile, () => this.notify?.path, (job, instance) => this.notifyStatus.delete(`${job}\0${instance}`)),
        clock: realClock,
        log: (level, msg) => this.log.log(level, msg),
        tmpfiles: tmpfilesHandler((argv, env) => this.port.runHelper(argv, env)),
      },
      {
        legacyConditions: o.legacyConditions,
        // In a container the runtime collects PID 1's output (docker logs): jobs write there by default.
        defaultConsole: o.defaultConsole ?? (ctx.container ? 'output' : 'log'),
        sessionEnv,
        inheritedEnv: inherited,
      },
    );
    // A session init hands its own environment to its jobs (init(8) --no-inherit-env turns that off).
    if (o.mode === 'user' && !o.noInheritEnv) {
      const table = this.engine.jobEnv();
      for (const [k, v] of Object.entries(inherited)) if (!k.startsWith('UPSTART_')) table.set(k, v);
    }
    this.initialJobEnv = new Map(this.engine.jobEnv());
    this.engine.subscribe((entry) => {
      this.journal.append(entry);
      if (entry.kind === 'event') this.log.debug(`event ${entry.name}${entry.env.length ? ' ' + entry.env.join(' ') : ''}`);
      else if (entry.kind === 'state') this.log.debug(`${entry.job}${entry.instance ? ` (${entry.instance})` : ''} ${entry.goal}/${entry.state}`);
    });
  }

  /** Loads the configuration, opens the control socket, installs signal handlers and emits the startup event. */
  async start(): Promise<void> {
    const { ctx } = this;
    if (ctx.options.mode === 'user' || ctx.pid1) {
      try {
        if (!ctx.pid1) native.setChildSubreaper(true);
      } catch (err) {
        this.log.warn(`cannot become a child subreaper: ${(err as Error).message}`);
      }
    }
    if (ctx.pid1 && !ctx.container) {
      // Ctrl-Alt-Del then reaches us as SIGINT (control-alt-delete) instead of rebooting at once.
      try {
        native.reboot('CAD_OFF');
      } catch (err) {
        this.log.debug(`cannot hand Ctrl-Alt-Del to init: ${(err as Error).message}`);
      }
      // Alt-Up on the console then reaches us as SIGWINCH (keyboard-request), as init(8) says.
      try {
        native.kdSigAccept('/dev/tty0', 'WINCH');
      } catch (err) {
        this.log.debug(`no keyboard-request from the console: ${(err as Error).message}`);
      }
    }
    try {
      const limit = native.raiseNofileLimit(nrOpen());
      this.log.debug(`file descriptor limit raised to ${limit}`);
    } catch (err) {
      this.log.warn(`cannot raise the file descriptor limit: ${(err as Error).message}`);
    }

    if (ctx.options.mode === 'user') {
      // A session init makes its own log dir ($XDG_CACHE_HOME/upstart); the system one may be read-only until later.
      try {
        mkdirSync(ctx.paths.logdir, { recursive: true, mode: 0o755 });
      } catch (err) {
        this.log.warn(`cannot create the log directory ${ctx.paths.logdir}: ${(err as Error).message}`);
      }
    }
    // The watcher's first load is the configuration we start with: the conf dirs are read once.
    this.watcher = watchConfDirs(ctx.paths.confdirs, (change) => this.applyChange(change), {
      onError: (err) => this.log.error(`applying a configuration change: ${(err as Error).message}`),
    });
    this.applyLoad(await this.watcher.ready);

    mkdirSync(dirname(ctx.paths.socket), { recursive: true, mode: 0o755 });
    this.server = new ControlServer({
      path: ctx.paths.socket,
      engine: this.engine,
      hooks: this.hooks(),
      mode: ctx.options.mode === 'system' ? 'system' : 'session',
      ownerUid: ctx.uid,
      peerCred: native.peerCred,
      log: (level, msg) => this.log.log(level, msg),
    });
    await this.server.listen();
    this.notify = this.openNotifySocket();
    if (ctx.options.mode === 'user') {
      try {
        this.sessionFile = writeSessionFile(sessionDir(ctx.env, ctx.uid), process.pid, `unix:path=${ctx.paths.socket}`);
      } catch (err) {
        this.log.warn(`cannot write the session file: ${(err as Error).message}`);
      }
    }
    this.installSignals();
    this.log.message(`${VERSION} ${ctx.options.mode} mode: socket ${ctx.paths.socket}, logs in ${ctx.paths.logdir}`);
    if (ctx.options.startupEvent !== null) {
      void this.engine.emit(ctx.options.startupEvent, [], false).catch((err: Error) => {
        this.log.warn(`${ctx.options.startupEvent}: ${err.message}`);
      });
    }
  }

  private async loadAll(): Promise<void> {
    this.applyLoad(await loadConfDirs(this.ctx.paths.confdirs));
  }

  /** Makes the engine's classes exactly those of a whole load (running instances keep theirs). */
  private applyLoad({ classes, errors }: LoadResult): void {
    for (const e of errors) this.log.error(String(e));
    const seen = new Set<string>();
    for (const spec of classes.values()) {
      seen.add(spec.name);
      this.addClass(spec);
    }
    for (const spec of this.engine.classes()) {
      if (!seen.has(spec.name)) this.engine.removeClass(spec.name);
    }
  }

  private addClass(spec: JobClassSpec): void {
    try {
      this.engine.addOrReplaceClass(spec);
    } catch (err) {
      this.log.error(`${spec.path ?? spec.name}: ${(err as Error).message}`);
    }
  }

  private applyChange(change: ConfChange): void {
    for (const e of change.errors) this.log.error(String(e));
    for (const spec of [...change.added, ...change.changed]) {
      this.log.info(`${change.added.includes(spec) ? 'loaded' : 'reloaded'} job ${spec.name}`);
      this.addClass(spec);
    }
    for (const name of change.removed) {
      this.log.info(`removed job ${name}`);
      this.engine.removeClass(name);
    }
  }

  private hooks(): DaemonHooks {
    return {
      version: () => `init (${VERSION})`,
      reloadConfiguration: () => this.loadAll(),
      notifyDiskWriteable: async () => {
        await this.jobLogger.diskWritable();
        this.journal.diskWritable();
      },
      notifyAddress: (kind, address) => {
        // init(8): the D-Bus address is a session init's business.
        if (kind === 'dbus' && this.ctx.options.mode !== 'user') throw new EngineError('denied', 'notify-dbus-address is only permitted in a session init');
        const what = kind === 'dbus' ? 'D-Bus address' : 'cgroup manager address';
        const why = kind === 'dbus' ? 'there is no D-Bus adapter yet' : 'job cgroups are made by the daemon itself (cgroup v2)';
        this.log.info(`${what} ${address} noted; nothing connects to it: ${why}`);
      },
      getLogPriority: () => this.log.getPriority(),
      setLogPriority: (p) => this.log.setPriority(p),
      listSessions: () => listSessions(sessionDir(this.ctx.env, this.ctx.uid)),
      journal: () => this.journal.entries(),
      defaultJobEnv: () => new Map(this.initialJobEnv),
      outputStats: (job, instance) => this.jobLogger.stats(job, instance),
      cgroupStats: (job, instance) => this.cgroups?.stats(job, instance),
      notifyStatus: (job, instance) => this.notifyStatus.get(`${job}\0${instance}`),
    };
  }

  private installSignals(): void {
    const { ctx } = this;
    const emit = (name: string): void => {
      this.log.info(`emitting ${name}`);
      void this.engine.emit(name, [], false).catch(() => undefined);
    };
    process.on('SIGHUP', () => {
      this.log.info('SIGHUP: reloading the configuration');
      this.loadAll().catch((err: Error) => this.log.error(`reload: ${err.message}`));
    });
    process.on('SIGWINCH', () => emit('keyboard-request'));
    process.on('SIGPWR', () => emit('power-status-changed'));
    const shutdown = (why: string): void => {
      this.log.info(`${why}: stopping every job`);
      void this.shutdown(ctx.options.mode === 'user' ? 'session-end' : undefined);
    };
    if (ctx.options.mode === 'user') {
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    } else {
      process.on('SIGINT', () => emit('control-alt-delete'));
      process.on('SIGTERM', () => {
        if (!ctx.pid1 || ctx.container) shutdown('SIGTERM');
        else this.log.warn('SIGTERM: stateful re-exec is not available yet; ignoring');
      });
    }
    process.on('SIGPIPE', () => undefined);
    process.on('SIGUSR1', () => undefined);
  }

  /**
   * The base of the job cgroups: `upstart` in PID 1's cgroup, `upstart-ts.PID` in another daemon's
   * (several may share a cgroup); none with --no-cgroups, without cgroup v2 or without the right
   * to make cgroups there. A system init looks again every 5 s while no cgroup v2 is mounted (a
   * boot job may mount it); other failures are final.
   */
  private jobCgroups(): CgroupTree | undefined {
    const { ctx } = this;
    if (this.cgroups !== undefined || ctx.options.noCgroups) return this.cgroups;
    const now = performance.now();
    if (now < this.cgroupsRetryAt) return undefined;
    const first = this.cgroupsRetryAt === 0;
    const tree = CgroupTree.create(ctx.pid1 ? 'upstart' : `upstart-ts.${process.pid}`, (level, msg) => this.log.log(level, msg));
    if (tree instanceof CgroupTree) {
      this.log.debug(`job cgroups under ${tree.dir}`);
      this.cgroups = tree;
      return tree;
    }
    const system = ctx.options.mode === 'system';
    this.cgroupsRetryAt = system && !tree.mounted ? now + 5000 : Infinity;
    // Usual for a session init without a delegated cgroup; worth saying for the system init.
    if (first) this.log.log(system ? 'info' : 'debug', `job processes are not tracked by cgroup: ${tree.why}`);
    return undefined;
  }

  /** The notify socket beside the control socket (CONTROL.notify); undefined (logged) if it cannot be bound. */
  private openNotifySocket(): NotifyListener | undefined {
    const control = this.ctx.paths.socket;
    const path = control.startsWith('\0') ? `@${control.slice(1)}.notify` : `${control}.notify`;
    try {
      return new NotifyListener({
        path,
        resolver: {
          byPid: (pid) => this.engine.jobsUsingPid(pid)[0],
          byCgroup: (pid) => {
            const cg = this.cgroups === undefined ? undefined : cgroupOf(pid);
            return cg === undefined ? undefined : this.cgroups?.ownerOf(cg);
          },
        },
        onStatus: (owner, text) => { this.notifyStatus.set(`${owner.job}\0${owner.instance}`, text); },
        onReady: (owner, pid) => {
          this.log.debug(`${owner.job}${owner.instance ? ` (${owner.instance})` : ''}: READY=1 from ${pid}`);
          void this.engine.emit('ready', [`JOB=${owner.job}`, `INSTANCE=${owner.instance}`], false).catch(() => undefined);
        },
        log: (level, msg) => this.log.log(level, msg),
        open: (p, cb) => native.openDgramSocket(p, cb),
      });
    } catch (err) {
      this.log.warn(`no notify socket (jobs cannot say READY=1): ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Emits `event` (if given), stops every job, closes the socket and resolves `exited`. */
  async shutdown(event?: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    try {
      if (event) await this.engine.emit(event, [], true).catch(() => undefined);
      await this.engine.stopAll();
    } catch (err) {
      this.log.error(`shutdown: ${(err as Error).message}`);
    }
    this.watcher?.close();
    if (this.sessionFile) removeSessionFile(this.sessionFile);
    await this.server?.close();
    this.notify?.close();
    await this.jobLogger.close();
    this.journal.close();
    this.cgroups?.close();
    this.exitResolve(0);
  }
}
