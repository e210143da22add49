// The composition root: wires config, engine, process layer, logging and control into one running daemon.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfDirs, watchConfDirs, type ConfWatcher } from '../config/sources.ts';
import { ClassLoading } from './classLoading.ts';
import { ControlServer } from '../control/server.ts';
import { adoptEventFds, DbusBinding, eventFdHooks } from './dbusBinding.ts';
import type { DaemonHooks } from '../control/hooks.ts';
import { SysvServices } from './sysvServices.ts';
import { Engine, type EngineDeps } from '../job/engine.ts';
import { finalStage, realFinalSys } from './finalStage.ts';
import { shutDown, type ShutdownOptions } from './shutdownSequence.ts';
import type { Runlevels } from './runlevels.ts';
import { appendWtmp, shutdownRecord } from './utmp.ts';
import { makeRunlevels, recordFiles, type RecordFiles } from './runlevelWiring.ts';
import { EngineError } from '../model/engineApi.ts';
import { DaemonLog, type LogPriority } from '../log/daemonLog.ts';
import { JobLogger } from '../log/jobLogger.ts';
import { Journal } from '../log/journal.ts';
import type { RLimit } from '../model/jobClass.ts';
import type { OutputSource } from '../log/port.ts';
import { continueClock, realClock } from '../platform/clock.ts';
import * as native from '../sys/index.ts';
import { CgroupTree } from '../process/cgroupTree.ts';
import { NativeProcessPort } from '../process/nativePort.ts';
import { msSince, type StateEnvelope } from '../state/envelope.ts';
import { Reexec } from './handover.ts';
import { stateView } from './stateView.ts';
import { findInheritedListener, readoptFromCgroups } from './restore.ts';
import type { DaemonOptions } from './options.ts';
import type { DaemonPaths } from './paths.ts';
import { listSessions, removeSessionFile, sessionDir, writeSessionFile } from './sessions.ts';
import { ownerOf, type NotifyListener } from './notifySocket.ts';
import { jobNotifyResolver, openJobNotifySocket, type JobNotifyHost } from './jobNotify.ts';
import { ReadinessHub } from './readinessHub.ts';
import { parentOf } from '../process/procStat.ts';
import { JobCgroups, sessionCgroupBase } from './jobCgroups.ts';
import { realPid1Sys, takeOnDuties } from './pid1.ts';
import { HANDLED_SIGNALS, signalAction, type SignalContext } from './signals.ts';
import { SignalDispatch } from './signalDispatch.ts';
import { adjustSpawns } from './spawnPolicy.ts';
import { pid1CgroupBase, realContainerProbes } from './containerMode.ts';
import { ContainerOutput, killEveryJob, stdoutWriter, watchExitWith } from './containerInit.ts';
import { ExitWithError, unknownExitWith } from './exitWith.ts';
import { jobPath } from './jobPath.ts';
import { SUPERVISOR_VARS, SupervisorNotify } from './supervisorNotify.ts';
import { tmpfilesHandler } from './tmpfiles.ts';
import { confdirWarnings } from './confdirCheck.ts';
import { VERSION } from './version.ts';
import { instanceKey, instanceLabel } from '../model/instanceRef.ts';
import { ActionRuns } from './actionRuns.ts';
import { dryRunHooks } from './dryRuns.ts';
import type { EngineOptions } from '../job/engine.ts';

/** Instances, log entries or job classes taken up again per turn of the event loop after a re-exec. */
const RESTORE_SLICE = 100;

function sliceOf<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

/** fn on each slice, one per turn of the event loop (requests are answered in between). */
async function slices<T>(parts: T[], fn: (part: T) => void): Promise<void> {
  for (const part of parts) {
    fn(part);
    await new Promise((r) => setImmediate(r));
  }
}

export interface DaemonContext {
  options: DaemonOptions;
  paths: DaemonPaths;
  pid1: boolean;
  /** A container's init (docs/containers.md): SIGTERM shuts down instead of re-executing, output to stdout. */
  container: boolean;
  /** --exit-with / UPSTART_EXIT_WITH: when one of these stops for good, shut down with its status. */
  exitWith?: string[];
  env: Record<string, string | undefined>;
  uid: number;
  /** After a re-exec: the state the old image handed over (already checked). */
  restored?: StateEnvelope;
}

function readNofile(): RLimit | undefined {
  try {
    return native.getrlimit('nofile');
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
  private readonly cgroups: JobCgroups;
  private server: ControlServer | undefined;
  /** Upstart's D-Bus API (docs/dbus.md), unless --no-dbus. */
  private dbus: DbusBinding | undefined;
  /** $NOTIFY_SOCKET: READY=1 from a job's process emits `ready JOB=… INSTANCE=…`. */
  private notify: NotifyListener | undefined;
  /** Job files into the engine's classes (D-Bus and watch-config streams are told of changes). */
  private readonly classLoading = new ClassLoading({
    engine: () => this.engine,
    log: { error: (msg) => this.log.error(msg), info: (msg) => this.log.info(msg) },
    changed: () => this.dbus?.service.classesChanged(),
  });
  /** READY=1 and STOPPING=1 to the supervisor that started this daemon, if it gave a NOTIFY_SOCKET. */
  private readonly supervisor: SupervisorNotify;
  /** The last STATUS= of each live instance (job\0instance), forgotten when the instance is. */
  private readonly notifyStatus = new Map<string, string>();
  /** The watchdog, the fd store (socket activation), STOPPING/RELOADING, EXTEND_TIMEOUT_USEC, MAINPID (docs/readiness.md). */
  private readonly readiness: ReadinessHub;
  private watcher: ConfWatcher | undefined;
  /** After a re-exec: each pty master's output promise, settled once its reader is attached again (carryOn). */
  private readonly outputsDue = new Map<number, (output: Promise<void>) => void>();
  /** SysV init scripts run for upstart-rc, as services (docs/sysv.md). */
  private readonly sysv: SysvServices;
  private readonly initialJobEnv: Map<string, string>;
  private readonly reexec: Reexec;
  /** Custom actions being run (docs/actions.md). */
  private readonly actions: ActionRuns;
  /** What the engine was made with (emit --dry-run's copy of it needs the same). */
  private readonly engineOpts: EngineOptions;
  private stopping = false;
  /** The system init's runlevels (runlevel(7)); a session init has none. */
  private readonly runlevels: Runlevels | undefined;
  /** What each signal does (the table in signals.ts), carried out on this daemon. */
  private readonly signals = new SignalDispatch({
    log: (level, msg) => this.log.log(level, msg),
    container: () => this.ctx.container,
    reload: () => this.loadAll(),
    emit: (event) => this.engine.emit(event, [], false),
    stopping: () => this.stopping,
    shutdown: (reason, event) => { void this.shutdown({ reason, action: 'exit', ...(event === undefined ? {} : { event: { name: event, env: [] } }) }); },
    force: (signal) => this.force(signal),
    reexec: () => this.reexec.request(),
    joinBus: () => {
      if (this.dbus === undefined) return false;
      void this.dbus.join('system');
      return true;
    },
  });
  /** The status the daemon exits with: 0, an --exit-with job's, or 1 once forced. */
  private exitStatus: number | undefined;
  /** RLIMIT_NOFILE as the daemon was started, for jobs (the daemon raises its own). */
  private readonly startNofile: RLimit | undefined = readNofile();
  private sessionFile: string | undefined;
  private exitResolve!: (code: number) => void;
  /** Resolves with the exit status once the daemon has shut down. */
  readonly exited = new Promise<number>((r) => { this.exitResolve = r; });

  constructor(private readonly ctx: DaemonContext) {
    // After a re-exec the clock goes on from the old image's, before anything reads it: CLOCK_MONOTONIC
    // (the same in both images) says how long the exec took.
    if (ctx.restored !== undefined) continueClock(ctx.restored.parts.engine.takenAt + msSince(ctx.restored));
    const o = ctx.options;
    const priority: LogPriority = o.verbosity === 'debug' ? 'debug' : o.verbosity === 'error' ? 'error' : 'message';
    // PID 1 of a PID namespace someone made logs to stderr: /dev/kmsg would be the host's kernel log.
    this.log = new DaemonLog({ priority, kmsg: ctx.pid1 && !ctx.container && realFinalSys.initialPidNamespace() });
    // A container's init copies job lines to its stdout (docker logs), prefixed `job | `.
    const out = ctx.container ? new ContainerOutput(stdoutWriter((err) => this.log.warn(`stdout: ${err.message}; job output no longer copied there`)), !o.noOutputPrefix) : undefined;
    // UPSTART_TS_LOG_PUMP=0 reads job output on the event loop instead of native threads (diagnosis, bench/log).
    this.jobLogger = new JobLogger({
      logDir: ctx.paths.logdir,
      logger: this.log,
      nativePump: ctx.env.UPSTART_TS_LOG_PUMP !== '0',
      ...(out ? { tap: (source: OutputSource) => out.tap(source) } : {}),
    });
    this.supervisor = new SupervisorNotify(ctx.env.NOTIFY_SOCKET, native.sendDgram, (level, msg) => this.log.log(level, msg));
    const state = ctx.restored;
    // `initctl log-priority` outlives a re-exec.
    if (state?.parts.daemon.logPriority !== undefined) this.log.setPriority(state.parts.daemon.logPriority);
    // The clock went on from the old image's (above): its times need no re-basing (a shift computed here
    // would be off by however long this thread was descheduled between two clock reads).
    this.journal = new Journal({ logDir: ctx.paths.logdir, logger: this.log, ...(state ? { restore: { wire: state.parts.journal, shift: 0 } } : {}) });
    this.cgroups = new JobCgroups({
      disabled: o.noCgroups,
      system: o.mode === 'system',
      baseName: ctx.pid1 ? pid1CgroupBase(realContainerProbes(ctx.env).readLink('/proc/self/ns/pid')) : sessionCgroupBase(ctx.paths.socket),
      log: (level, msg) => this.log.log(level, msg),
      running: () => this.instancesWithProcesses(),
    });
    if (state?.parts.cgroups) {
      const tree = CgroupTree.adopt(state.parts.cgroups, (level, msg) => this.log.log(level, msg));
      if (tree !== undefined) this.cgroups.adopt(tree);
      else this.log.warn(`re-exec: the job cgroups under ${state.parts.cgroups.dir} are gone`);
    }
    // The pty masters are read again once the control socket answers (carryOn): downtime first, the kernel holds
    // the output. An exit reaped before then is reported once its output is in the log, as any other.
    const outputs = new Map<number, Promise<void>>();
    for (const e of state?.parts.logs.entries ?? []) {
      for (const m of e.masters) outputs.set(m, new Promise<void>((resolve) => this.outputsDue.set(m, (out) => { void out.then(resolve); })));
    }
    this.port = new NativeProcessPort({
      // In a container, log files only where --logdir asks for them.
      sink: out ? out.sink(this.jobLogger, o.logdir !== undefined) : this.jobLogger,
      logger: (level, msg) => this.log.log(level, msg),
      onUnowned: (pid) => this.log.debug(`reaped orphan ${pid}`),
      cgroups: () => this.cgroups.get(),
      noCgroups: () => this.cgroups.whyNot(),
      ...(state ? { restore: { wire: state.parts.process, outputs } } : {}),
    });
    for (const [job, instance, text] of state?.parts.daemon.notifyStatus ?? []) this.notifyStatus.set(instanceKey(job, instance), text);
    this.runlevels = o.mode === 'system' ? makeRunlevels(state?.parts.daemon.runlevel, this.recordFiles(), {
      emit: (env) => { void this.engine.emit('runlevel', env, false).catch((err: Error) => this.log.warn(`runlevel: ${err.message}`)); },
      shutdown: (env, action) => {
        void this.shutdown({ reason: `runlevel ${env[0]!.slice('RUNLEVEL='.length)}`, action, event: { name: 'runlevel', env } });
      },
      log: (level, msg) => this.log.log(level, msg),
    }) : undefined;
    this.sysv = new SysvServices({
      serviceEvent: (name, service, env, wait) => this.engine.serviceEvent(name, service, env, wait),
      isJob: (name) => this.engine.getClass(name) !== undefined,
      jobEnv: () => this.engine.jobEnv(),
      runHelper: (argv, env, timeoutMs) => this.port.runHelper(argv, env, timeoutMs),
      log: (level, msg) => this.log.log(level, msg),
    });
    const sessionEnv = [`UPSTART_SESSION=unix:path=${ctx.paths.socket}`];
    const inherited: Record<string, string> = {};
    // What the daemon's own supervisor gave it (NOTIFY_SOCKET, ...) is the daemon's, not its jobs'.
    for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined && !SUPERVISOR_VARS.has(k)) inherited[k] = v;
    this.readiness = new ReadinessHub({
      clock: realClock,
      specOf: (job) => this.engine.getClass(job),
      status: (job, instance) => this.engine.status(job, instance),
      notifySocket: () => this.notify?.path,
      drainNotify: () => this.notify?.drain(),
      ready: (job, instance) => { void this.engine.emit('ready', [`JOB=${job}`, `INSTANCE=${instance}`], false).catch(() => undefined); },
      kill: (pid, signal) => this.port.kill(pid, signal),
      retrack: (from, to) => this.port.retrack(from, to),
      reapsOrphans: () => ctx.pid1 || native.isChildSubreaper(),
      parentOf: (pid) => parentOf(pid),
      ownerOf: (pid) => ownerOf(pid, jobNotifyResolver(() => this.engine, this.cgroups)),
      mayStoreFds: (uid) => uid === 0 || uid === ctx.uid,
      pipe: () => native.pipe(),
      closeFd: (fd) => native.closeFd(fd),
      log: (level, msg) => this.log.log(level, msg),
    });
    this.readiness.extendReadyTimeout = (job, instance, ms) => this.engine.extendReadyTimeout(job, instance, ms);
    // Sockets the bridges handed over before a re-exec: the fds crossed it open (loadState set close-on-exec again).
    for (const [name, fd] of state?.parts.daemon.fdStore ?? []) this.readiness.fdStore.deposit(name, fd);
    this.actions = new ActionRuns({
      engine: () => this.engine,
      defaultConsole: o.defaultConsole ?? 'log',
      log: (level, msg) => this.log.log(level, msg),
    });
    const deps: EngineDeps = {
      process: this.actions.wrap(adjustSpawns(this.port, {
        noLog: o.noLog,
        nofile: this.startNofile,
        notifySocket: () => this.notify?.path,
        gone: (job, instance) => {
          this.notifyStatus.delete(instanceKey(job, instance));
          this.readiness.gone(job, instance);
        },
        hooks: this.readiness.spawnHooks,
      })),
      clock: realClock,
      log: (level, msg) => this.log.log(level, msg),
      tmpfiles: tmpfilesHandler((argv, env) => this.port.runHelper(argv, env)),
    };
    const engineOpts: EngineOptions = {
      legacyConditions: o.legacyConditions,
      // `console log` everywhere; in a container its lines reach stdout through the daemon.
      defaultConsole: o.defaultConsole ?? ('log' as const),
      sessionEnv,
      inheritedEnv: inherited,
    };
    this.engineOpts = engineOpts;
    if (state !== undefined) {
      // The job environment tables come with the state; reset-env goes back to what the first image started with.
      this.engine = Engine.fromSnapshot(deps, { ...state.parts.engine, takenAt: realClock.now() }, engineOpts, true);
      this.initialJobEnv = new Map(state.parts.daemon.defaultJobEnv);
      // Main processes that kept running through the re-exec: their watchdogs start a fresh interval.
      this.readiness.rearm(this.engine.classes().flatMap((c) => (c.watchdog === undefined ? [] : this.engine.status(c.name))));
    } else {
      this.engine = new Engine(deps, engineOpts);
      // A session init hands its own environment to its jobs (init(8) --no-inherit-env turns that off).
      if (o.mode === 'user' && !o.noInheritEnv) {
        const table = this.engine.jobEnv();
        for (const [k, v] of Object.entries(inherited)) if (!k.startsWith('UPSTART_')) table.set(k, v);
      }
      // initctl of this daemon is on the jobs' PATH (after the system's directories).
      const table = this.engine.jobEnv();
      table.set('PATH', jobPath(table.get('PATH')));
      this.initialJobEnv = new Map(this.engine.jobEnv());
    }
    this.reexec = new Reexec({
      engine: this.engine,
      port: this.port,
      jobLogger: this.jobLogger,
      journal: this.journal,
      cgroups: () => this.cgroups.current,
      controlFd: () => this.server?.fd,
      controlBusy: () => this.server?.busyConnections ?? 0,
      notifyFd: () => this.notify?.fd,
      notifyStatus: this.notifyStatus,
      fdStore: () => this.readiness.fdStore.entries(),
      busAddress: () => this.dbus?.service.busAddress,
      defaultJobEnv: this.initialJobEnv,
      runlevel: () => { const r = this.runlevels?.state(); return r === undefined ? undefined : [r.runlevel, r.previous]; },
      stopping: () => this.stopping,
      logPriority: () => this.log.getPriority(),
      log: (level, msg) => this.log.log(level, msg),
    });
    watchExitWith(this.engine, ctx.exitWith ?? [], (r) => {
      // A shutdown already asked for (docker stop) ends with 0 whatever its stop did to the job.
      if (this.stopping) return;
      this.log.message(`${r.job}${r.instance ? ` (${r.instance})` : ''} stopped for good (${r.how}): stopping every job, then exiting ${r.status} (--exit-with)`);
      this.exitStatus ??= r.status;
      void this.shutdown({ reason: `--exit-with ${r.job}`, action: 'exit' });
    });
    this.engine.subscribe((entry) => {
      this.journal.append(entry);
      // Formatted only when debug is on: this runs for every event and state change.
      if (!this.log.enabled('debug')) return;
      if (entry.kind === 'event') this.log.debug(`event ${entry.name}${entry.env.length ? ' ' + entry.env.join(' ') : ''}`);
      else if (entry.kind === 'state') this.log.debug(`${instanceLabel(entry.job, entry.instance)} ${entry.goal}/${entry.state}`);
    });
  }

  /** Loads the configuration, opens the control socket, installs signal handlers and emits the startup event. */
  async start(): Promise<void> {
    const { ctx } = this;
    takeOnDuties(this.signalContext(), realPid1Sys, (level, msg) => this.log.log(level, msg));

    if (ctx.options.mode === 'user' || ctx.container) {
      // A session init makes its own log dir ($XDG_CACHE_HOME/upstart), and so does a container's init (an image
      // rarely has /var/log/upstart); a machine's may be read-only until later.
      try {
        mkdirSync(ctx.paths.logdir, { recursive: true, mode: 0o755 });
      } catch (err) {
        this.log.warn(`cannot create the log directory ${ctx.paths.logdir}: ${(err as Error).message}`);
      }
    }
    const state = ctx.restored;
    if (state !== undefined) {
      await this.carryOn(state);
      return;
    }
    // The watcher's first load is the configuration we start with: the conf dirs are read once.
    this.watcher = this.watchConf();
    this.classLoading.applyLoad(await this.watcher.ready);
    for (const w of confdirWarnings(ctx.options, (d) => resolve(d))) this.log.warn(w);
    // Without a state (a first start, a daemon that was killed, a state that could not be used):
    // jobs still running in their cgroups are taken back, not started a second time.
    const tree = this.cgroups.get();
    if (tree !== undefined) {
      const n = readoptFromCgroups(tree, this.engine, this.port, (level, msg) => this.log.log(level, msg));
      if (n > 0) this.log.message(`re-adopted ${n} running job instance(s) from their cgroups`);
    }
    const unknown = unknownExitWith(ctx.exitWith ?? [], (name) => this.engine.getClass(name) !== undefined);
    if (unknown.length > 0) {
      this.watcher?.close();
      throw new ExitWithError(`--exit-with: no such job: ${unknown.join(', ')} (job files are read from ${ctx.paths.confdirs.join(', ')})`);
    }
    // A re-exec without a usable state still finds the listening socket it kept (clients may be queued on it).
    await this.listen(ctx.options.restart ? findInheritedListener(ctx.paths.socket) : undefined);
    this.notify = openJobNotifySocket(this.notifyHost());
    this.writeSessionFile();
    this.installSignals();
    this.log.message(`${VERSION} ${ctx.options.mode} mode: socket ${ctx.paths.socket}, logs in ${ctx.paths.logdir}`);
    this.supervisor.ready(`${ctx.options.mode} mode, socket ${ctx.paths.socket}`);
    // --restart: a re-exec; the system is up already, so there is no second startup event.
    if (ctx.options.startupEvent !== null && !ctx.options.restart) {
      void this.engine.emit(ctx.options.startupEvent, [], false).catch((err: Error) => {
        this.log.warn(`${ctx.options.startupEvent}: ${err.message}`);
      });
    }
  }

  /**
   * After a re-exec with a usable state: the engine is already built from it, so the control
   * socket answers first (downtime is what clients see); then, a slice at a time so requests
   * are answered in between, the pty masters are read again (the kernel holds their output
   * meanwhile) and the job files are read again for what changed while the old image ran.
   */
  private async carryOn(state: StateEnvelope): Promise<void> {
    const { ctx } = this;
    await this.listen(state.parts.daemon.controlFd);
    this.notify = openJobNotifySocket(this.notifyHost(), state.parts.daemon.notifyFd);
    this.installSignals();
    this.writeSessionFile();
    const answering = msSince(state);
    this.log.message(`${VERSION} ${ctx.options.mode} mode: socket ${ctx.paths.socket}, logs in ${ctx.paths.logdir}`);
    this.supervisor.ready(`${ctx.options.mode} mode, socket ${ctx.paths.socket}`);
    this.log.message(`re-executed: carried on from the state of ${state.version} (format ${state.format}), ${state.parts.engine.jobs.length} job instance(s), answering ${answering.toFixed(0)} ms after the state was taken`);
    adoptEventFds(this.readiness.fdStore, this.engine);
    await slices(sliceOf(state.parts.logs.entries, RESTORE_SLICE), (entries) => {
      for (const [master, out] of this.jobLogger.adopt({ entries })) this.outputsDue.get(master)?.(out);
    });
    // Masters no entry named (none, unless the state was edited): their processes' exits wait no more.
    for (const settle of this.outputsDue.values()) settle(Promise.resolve());
    this.outputsDue.clear();
    this.watcher = this.watchConf();
    const loaded = await this.watcher.ready;
    for (const e of loaded.errors) this.log.error(String(e));
    await slices(sliceOf([...loaded.classes.values()], RESTORE_SLICE), (specs) => this.classLoading.applySpecs(specs, true));
    this.classLoading.removeClassesNotIn(loaded);
    this.log.info(`re-exec: logs and job files taken up again ${(msSince(state) - answering).toFixed(0)} ms after answering`);
  }

  private watchConf(): ConfWatcher {
    // --no-inotify (init(8)): read once, and again only on reload-configuration or SIGHUP.
    if (this.ctx.options.noInotify) {
      this.log.info('job files are not watched (--no-inotify): reload-configuration or SIGHUP applies their changes');
      return { ready: loadConfDirs(this.ctx.paths.confdirs), close: () => undefined };
    }
    return watchConfDirs(this.ctx.paths.confdirs, (change) => this.classLoading.applyChange(change), {
      onError: (err) => this.log.error(`applying a configuration change: ${(err as Error).message}`),
    });
  }

  private async listen(adoptFd: number | undefined): Promise<void> {
    const { ctx } = this;
    mkdirSync(dirname(ctx.paths.socket), { recursive: true, mode: 0o755 });
    const mode = ctx.options.mode === 'system' ? 'system' : 'session';
    const hooks = this.hooks();
    this.dbus = ctx.options.noDbus ? undefined : new DbusBinding({
      engine: this.engine,
      hooks,
      mode,
      ownerUid: ctx.uid,
      uid: ctx.uid,
      env: ctx.env,
      ...(ctx.options.dbusAddress !== undefined ? { address: ctx.options.dbusAddress } : {}),
      ...(ctx.options.dbusSessionBus ? { joinBus: 'session' as const } : mode === 'system' ? { joinBus: 'system' as const } : {}),
      ...(ctx.restored?.parts.daemon.bus !== undefined ? { rejoin: ctx.restored.parts.daemon.bus } : {}),
      reexeced: ctx.restored !== undefined,
      log: (level, msg) => this.log.log(level, msg),
    });
    const control = {
      engine: this.engine,
      hooks,
      mode,
      ownerUid: ctx.uid,
      // A session's socket is its owner's alone unless --socket-mode opens it; the system's is open (reads are public).
      socketMode: ctx.options.socketMode ?? (ctx.options.mode === 'system' ? 0o666 : 0o600),
      peerCred: native.peerCred,
      log: (level: 'debug' | 'warn' | 'error', msg: string) => this.log.log(level, msg),
    } as const;
    this.server = new ControlServer({
      ...control,
      path: ctx.paths.socket,
      ...(adoptFd === undefined ? {} : { adoptFd }),
      ...(this.dbus === undefined ? {} : { dbus: this.dbus.service }),
    });
    await this.server.listen();
    await this.dbus?.start(control);
  }

  private writeSessionFile(): void {
    if (this.ctx.options.mode !== 'user') return;
    try {
      this.sessionFile = writeSessionFile(sessionDir(this.ctx.env, this.ctx.uid), process.pid, `unix:path=${this.ctx.paths.socket}`);
    } catch (err) {
      this.log.warn(`cannot write the session file: ${(err as Error).message}`);
    }
  }

  private async loadAll(): Promise<void> {
    this.classLoading.applyLoad(await loadConfDirs(this.ctx.paths.confdirs));
  }

  private hooks(): DaemonHooks {
    return {
      version: () => `init (${VERSION})`,
      reloadConfiguration: () => this.loadAll(),
      watchClasses: (fn) => this.classLoading.watch(fn),
      notifyDiskWriteable: async () => {
        await this.jobLogger.diskWritable();
        this.journal.diskWritable();
      },
      notifyAddress: (kind, address) => {
        // init(8): the D-Bus address is a session init's business.
        if (kind === 'dbus' && this.ctx.options.mode !== 'user') throw new EngineError('denied', 'notify-dbus-address is only permitted in a session init');
        if (kind === 'dbus') {
          if (this.dbus === undefined) this.log.info(`D-Bus address ${address} noted; not joined: --no-dbus`);
          else void this.dbus.connect(address);
          return;
        }
        this.log.info(`cgroup manager address ${address} noted; nothing connects to it: job cgroups are made by the daemon itself (cgroup v2)`);
      },
      getLogPriority: () => this.log.getPriority(),
      setLogPriority: (p) => this.log.setPriority(p),
      listSessions: () => listSessions(sessionDir(this.ctx.env, this.ctx.uid)),
      journal: () => this.journal.entries(),
      defaultJobEnv: () => new Map(this.initialJobEnv),
      outputStats: (job, instance) => this.jobLogger.stats(job, instance),
      cgroupStats: (job, instance) => this.cgroups.current?.stats(job, instance),
      notifyStatus: (job, instance) => this.notifyStatus.get(instanceKey(job, instance)),
      readiness: (job, instance) => this.readiness.status(job, instance),
      reexec: (withState) => this.reexec.request(withState),
      stateJson: () => stateView({
        engine: this.engine, port: this.port, notifyStatus: this.notifyStatus, defaultJobEnv: this.initialJobEnv,
        runlevel: () => { const r = this.runlevels?.state(); return r === undefined ? undefined : [r.runlevel, r.previous]; },
        logPriority: () => this.log.getPriority(),
      }),
      ...(this.ctx.options.mode === 'user' ? { endSession: () => {
        this.log.message('EndSession: emitting session-end, stopping every job, then exiting');
        void this.shutdown({ reason: 'EndSession', action: 'exit', event: { name: 'session-end', env: [] } });
      } } : {}),
      dryRun: dryRunHooks({ engine: () => this.engine, engineOptions: this.engineOpts, confdirs: this.ctx.paths.confdirs }),
      eventFd: eventFdHooks(this.readiness.fdStore, (fd) => native.closeFd(fd)),
      actions: { run: (r) => this.actions.run(r), running: (job, instance) => this.actions.runningFor(job, instance) },
      sysv: { run: (r) => this.sysv.run(r), list: () => this.sysv.list(), status: (name, ask) => this.sysv.status(name, ask) },
      ...(this.runlevels === undefined ? {} : { runlevels: {
        state: () => this.runlevels!.state(),
        change: (level, env, at, message) => this.runlevels!.change(level, env, at, message),
        cancel: () => this.runlevels!.cancel(),
      } }),
    };
  }

  /** Where utmp/wtmp records go (--utmp, --wtmp; by default only as the machine's PID 1). */
  private recordFiles(): RecordFiles {
    return recordFiles(this.ctx.options, this.ctx.pid1 && !this.ctx.container && realFinalSys.initialPidNamespace());
  }

  private signalContext(): SignalContext {
    return { mode: this.ctx.options.mode, pid1: this.ctx.pid1, container: this.ctx.container };
  }

  /** A handler for each signal the table gives an action in this daemon's context (signals.ts). */
  private installSignals(): void {
    const sc = this.signalContext();
    for (const signal of HANDLED_SIGNALS) {
      const action = signalAction(sc, signal);
      if (action !== undefined) process.on(signal, () => this.signals.run(signal, action));
    }
  }

  /** `job` or `job (instance)` of every instance with a live process. */
  private instancesWithProcesses(): string[] {
    const out: string[] = [];
    for (const spec of this.engine.classes()) {
      for (const st of this.engine.status(spec.name)) {
        if (st.processes.length > 0) out.push(st.instance === '' ? st.job : `${st.job} (${st.instance})`);
      }
    }
    return out;
  }

  private notifyHost(): JobNotifyHost {
    return {
      controlPath: this.ctx.paths.socket,
      engine: () => this.engine,
      cgroups: this.cgroups,
      readiness: this.readiness,
      notifyStatus: this.notifyStatus,
      log: (level, msg) => this.log.log(level, msg),
    };
  }

  /** A second SIGINT: every job process is killed now and the daemon exits 1 (or an --exit-with job's status). */
  private force(signal: string): void {
    this.exitStatus ??= 1;
    const n = killEveryJob(this.engine, this.port);
    this.log.warn(`${signal} again: forcing the shutdown, the processes of ${n} job instances killed`);
  }

  /**
   * The one way the daemon shuts down (signals, runlevels 0 and 6, session-end, container mode):
   * shutdownSequence.ts with this daemon's parts. A second call while one runs is logged and
   * changes nothing (the first one's action stands).
   */
  async shutdown(o: ShutdownOptions): Promise<void> {
    if (this.stopping) {
      this.log.info(`${o.reason}: a shutdown is already under way`);
      return;
    }
    this.stopping = true;
    this.supervisor.stopping(`stopping every job: ${o.reason}`);
    await shutDown(o, {
      engine: this.engine,
      timeoutS: this.ctx.options.shutdownTimeout,
      container: this.ctx.container,
      machine: this.ctx.pid1 && !this.ctx.container,
      log: (level, msg) => this.log.log(level, msg),
      giveUp: () => {
        this.exitStatus ??= 1;
        killEveryJob(this.engine, this.port);
      },
      closeAll: async () => {
        this.watcher?.close();
        if (this.sessionFile) removeSessionFile(this.sessionFile);
        await this.server?.close();
        await this.dbus?.close();
        this.notify?.close();
        this.readiness.close();
        await this.jobLogger.close();
        this.cgroups.close();
        await this.journal.close();
      },
      finalStage: async (action) => {
        const { wtmp } = this.recordFiles();
        try {
          if (wtmp !== undefined) appendWtmp(wtmp, shutdownRecord(Date.now()));
        } catch (err) {
          this.log.warn(`cannot write the shutdown record to ${wtmp}: ${(err as Error).message}`);
        }
        await finalStage(action, realFinalSys, (level, msg) => this.log.log(level, msg), { termGraceMs: 5000 });
      },
      exit: () => this.exitResolve(this.exitStatus ?? 0),
    });
  }
}
