// NativeProcessPort: the real ProcessPort — spawns through the native addon, reaps, follows forks, holds exits for logs.
import { CgroupLimitError, planCgroupLimits } from './cgroupLimits.ts';
import { signalName } from '../model/signals.ts';
import type { OutputSink } from '../log/port.ts';
import type { CgroupTree } from './cgroupTree.ts';
import { ForkFollower } from './forkFollower.ts';
import { HelperRuns, type HelperResult } from './helperRuns.ts';
import { oomScoreAllowed } from './oomScore.ts';
import { parentOf, processGroupOf } from './procStat.ts';
import * as realSys from '../sys/index.ts';
import type { ChildStatus, Pty, SpawnOutcome, SpawnSpec, Stdio } from '../sys/index.ts';
import type { ProcessSys } from '../sys/ports.ts';
import type { ExitInfo, InstanceRef, KillTarget, ProcessEvents, ProcessPort, SpawnRequest, SpawnResult } from './port.ts';
import type { ProcessWire } from './portState.ts';
import { ExitReports } from './exitReports.ts';
import { feedScript, openScriptPipe, type ScriptPipe } from './scriptFeed.ts';
import { SpawnError } from '../sys/spawnError.ts';
import { SyscallError } from '../sys/syscallError.ts';
import { instanceKey } from '../model/instanceRef.ts';
import type { LogFn } from '../model/log.ts';

export interface NativeProcessPortOptions {
  /** Where `console log` output goes (the pty master of each process). */
  sink: OutputSink;
  logger?: LogFn;
  /** The console for `console output|owner` (default: the daemon's own fds 0/1/2). */
  consoleFd?: number;
  /** Orphans reparented to us (subreaper / PID 1) that no job owns, after they are reaped. */
  onUnowned?: (pid: number, info: ExitInfo) => void;
  /** Why there are no job cgroups, for a job whose `cgroup` stanzas then cannot apply (it does not run unconfined). */
  noCgroups?: () => string;
  /**
   * Job cgroups (DESIGN §3.5): each instance's processes run in its own; stops reach all of them.
   * Asked at each spawn (a system boot may mount cgroup v2 after the daemon started).
   */
  cgroups?: () => CgroupTree | undefined;
  /** Longest wait for a process's output to reach the log after it exits (default 2000 ms). */
  flushDeadlineMs?: number;
  /**
   * After a re-exec: the processes the old image owned (set before the reaper starts, so an exit
   * during the exec is reported), each with the output promise of its adopted pty master.
   */
  restore?: { wire: ProcessWire; outputs: ReadonlyMap<number, Promise<void>> };
  /** The system calls below the port (default: the addon, src/sys/). */
  sys?: ProcessSys;
}

export const DEFAULT_FLUSH_DEADLINE_MS = 2000;

/** A process whose exit we report; `output` settles when its pty reached EOF in the sink. */
interface Owned {
  output: Promise<void> | undefined;
  /** The pty master its output is read from (kept open across a re-exec). */
  master?: number;
  awaitingStop: boolean;
  /** Its instance, when it runs in the instance's cgroup. */
  inst?: { job: string; instance: string };
  /** A main process of a job with `expect exit N`: its instance's other processes may join its slot. */
  expectExit?: boolean;
}

const SIGSTOP = 19;

/** UPSTART_TS_SYNC_SPAWN=1: every spawn waits for its exec on the event loop, as before #22 (for measuring the difference: docs/performance.md). */
const SYNC_SPAWN = process.env.UPSTART_TS_SYNC_SPAWN === '1';

/**
 * A spawnStart whose outcome has not come: the engine knows it by a provisional id (minus the
 * ticket, never a pid), the pid comes with the outcome. Its statuses wait here, so that execed
 * comes before any other event of the pid; signals for it wait too, until the pid is known.
 */
interface PendingExec {
  job: string;
  /** The instance cgroup it may have failed to join (then it runs without one, as spawnIn's retry does). */
  cgroup: string | undefined;
  held: ChildStatus[];
  /** Signals asked for meanwhile, each given the pid once known (undefined: no live process by that pid). */
  signals: Array<(pid: number | undefined) => void>;
}

/** How a reaped status ended, as the engine wants it. */
export function toExitInfo(s: ChildStatus, pid = s.pid): ExitInfo | undefined {
  if (s.kind === 'exited') return { pid, kind: 'exited', status: s.status };
  if (s.kind === 'killed' || s.kind === 'dumped') {
    return { pid, kind: 'killed', signal: signalName(s.signal) ?? String(s.signal), core: s.kind === 'dumped' };
  }
  return undefined;
}

/**
 * Invariants: the one reaper of the process runs from construction until close(); `owned` holds
 * every pid whose end the engine hears about (spawned pids, and for expect fork/daemon the final
 * pid once ready); an exit is reported only after that process's output is in the log or the
 * flush deadline passed; events are delivered from the reaper callback or a promise, never from
 * inside spawn().
 */
export class NativeProcessPort implements ProcessPort {
  private events: ProcessEvents | undefined;
  private readonly owned = new Map<number, Owned>();
  private readonly follower: ForkFollower;
  private readonly log: LogFn;
  /** Exits on their way to the engine, after their output. */
  private readonly exits: ExitReports;
  private readonly sys: ProcessSys;
  private closed = false;
  /** Instances (by key) an older image's re-exec state says were stopped through their cgroup: survivors are killed when they are gone. */
  private readonly swept = new Set<string>();
  private reaperNamesCgroups = false;
  /** Helper programs the daemon runs for itself (runHelper). */
  private readonly helpers = new HelperRuns((pid) => this.kill(pid, 'KILL'));
  /** Jobs already told their oom score cannot be applied. */
  private readonly oomWarned = new Set<string>();
  /** Spawns started with sys.spawnStart whose outcome has not come, by provisional id (also the key in `owned` until then). */
  private readonly pending = new Map<number, PendingExec>();
  /** Pids of pending spawns whose child exists (sys.spawnPids), to their provisional ids. */
  private readonly pendingPids = new Map<number, number>();

  constructor(private readonly opts: NativeProcessPortOptions) {
    this.log = opts.logger ?? (() => {});
    this.exits = new ExitReports(opts.flushDeadlineMs ?? DEFAULT_FLUSH_DEADLINE_MS, this.log, () => this.updateRef());
    this.sys = opts.sys ?? realSys;
    this.follower = new ForkFollower((level, msg) => this.log(level, msg), this.sys);
    if (opts.restore) this.restoreFrom(opts.restore.wire, opts.restore.outputs);
    this.sys.onSpawnOutcomes?.((outcomes) => this.onOutcomes(outcomes));
    this.sys.startReaper((statuses) => this.onStatuses(statuses));
    this.updateRef();
  }

  setEvents(events: ProcessEvents): void {
    this.events = events;
    this.exits.setEvents(events);
  }

  /** Why a re-exec cannot hand over now (helpers, processes followed through forks); undefined when it can. */
  busy(): string | undefined {
    if (this.helpers.size > 0) return `${this.helpers.size} helper program(s) running`;
    if (this.pending.size > 0) return `${this.pending.size} process(es) not yet exec'd`;
    if (this.follower.busy) return 'a job process is being followed through its forks (expect fork/daemon)';
    return undefined;
  }

  /** The port's part of the re-exec state: every process it reports on, and the stopped instances still to sweep. */
  toWire(): ProcessWire {
    const owned: ProcessWire['owned'] = [];
    for (const [pid, o] of this.owned) {
      if (!(pid > 0)) continue; // a pending spawn's provisional id (a re-exec waits for them: busy())
      const w: ProcessWire['owned'][number] = { pid, awaitingStop: o.awaitingStop };
      if (o.master !== undefined) w.master = o.master;
      if (o.inst !== undefined) w.inst = { ...o.inst };
      if (o.expectExit) w.expectExit = true;
      owned.push(w);
    }
    return { owned, swept: [...this.swept].map((k) => k.split('\0') as [string, string]), exited: this.exits.wire() };
  }

  /** A failed execve: the processes' output is read by new readers (their promises replace the old ones). */
  replaceOutputs(outputs: ReadonlyMap<number, Promise<void>>): void {
    for (const o of this.owned.values()) if (o.master !== undefined && outputs.has(o.master)) o.output = outputs.get(o.master);
  }

  /** Adopts a process that is not our child (found in its cgroup after a crash); `gone` is called by the caller's watch. */
  private restoreFrom(wire: ProcessWire, outputs: ReadonlyMap<number, Promise<void>>): void {
    for (const w of wire.owned) {
      const o: Owned = { output: w.master === undefined ? undefined : outputs.get(w.master), awaitingStop: w.awaitingStop };
      if (w.master !== undefined) o.master = w.master;
      if (w.inst !== undefined) o.inst = { ...w.inst };
      if (w.expectExit) o.expectExit = true;
      this.owned.set(w.pid, o);
    }
    for (const [job, instance] of wire.swept) this.swept.add(instanceKey(job, instance));
    // Reaped by the old image, their output now in the log: reported first.
    this.exits.restore(wire.exited);
  }

  /** Owns a pid (re-adopted from its cgroup) as if spawned: its exit is reported to the engine. */
  own(pid: number, inst: { job: string; instance: string }): void {
    this.owned.set(pid, { output: undefined, awaitingStop: false, inst });
    this.updateRef();
  }

  /** A re-adopted process that is not our child ended (seen by polling): reported with an unknown status, as exit 0. */
  lost(pid: number): void {
    if (!this.owned.delete(pid)) return;
    this.exits.report({ pid, kind: 'exited', status: 0 }, undefined);
    this.updateRef();
  }

  /** The pids owned now (re-adoption polls those that are not its children). */
  ownedPids(): number[] {
    return [...this.owned.keys()];
  }

  /** Stops the reaper (tests, shutdown). Tracked processes are no longer reported. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sys.stopReaper();
    this.sys.onSpawnOutcomes?.(null);
  }

  spawn(req: SpawnRequest): SpawnResult {
    let pty: Pty | undefined;
    let script: ScriptPipe | undefined;
    try {
      const spec = this.buildSpec(req);
      if (req.console === 'log') {
        pty = this.sys.openpty({ raw: true });
        spec.stdio = [pty.slave, pty.slave, pty.slave];
        // Not for expect fork/daemon/exit: when the process that forked exits, the kernel would
        // send SIGHUP to the tty's foreground group, which the daemon it forked is still in.
        spec.controllingTty = req.expect.kind !== 'fork' && req.expect.kind !== 'daemon' && req.expect.kind !== 'exit';
      }
      if (req.script !== undefined) {
        script = openScriptPipe((req.fdMap ?? []).map(([, target]) => target));
        spec.argv = [...spec.argv, script.path];
        spec.keepFds = [script.readFd];
      }
      const tree = this.cgroups();
      // The `cgroup` stanzas are written before the first process of the instance execs; one that
      // cannot be applied fails the spawn (the job never runs without the limits it asked for).
      const confined = req.cgroups.length > 0;
      // Without stanzas the directory is made by the native layer (spawnStart: on the spawner thread).
      const cg = confined ? tree?.dirFor(req.job, req.instance) : tree?.pathFor(req.job, req.instance);
      if (cg !== undefined) spec.cgroups = [cg];
      if (cg !== undefined && !confined) spec.cgroupCreate = true;
      if (confined) {
        const plan = planCgroupLimits(req.cgroups);
        if (tree === undefined || cg === undefined) {
          throw new CgroupLimitError(`cgroup ${req.cgroups[0]!.controller}`, `the job's cgroup stanzas need a job cgroup, and there is none (${this.opts.noCgroups?.() ?? 'job cgroups are off'})`);
        }
        spec.cgroups = [cg, ...tree.limit(req.job, req.instance, plan)];
      }
      // Not for traced children (the follower must see them from their first stop), nor expect exit
      // (an orphan of a fast main must find the job waiting for its exits, not for the exec), nor
      // expect CONDITION (notification fd, READY=1, an event main emits): the condition is armed once
      // the exec is confirmed, and an event that came first would be missed until the ready timeout.
      const later = !SYNC_SPAWN && req.execLater === true && this.events !== undefined && this.sys.spawnStart !== undefined && this.sys.spawnPids !== undefined && !spec.traceMe && req.expect.kind !== 'exit' && req.expect.kind !== 'event';
      let pid: number;
      if (later) {
        // The child reads these until its exec: the spawner closes them then (sys/spawn.ts spawnStart).
        const handoff = [...(pty ? [pty.slave] : []), ...(script ? [script.readFd] : [])];
        if (cg !== undefined && !confined) spec.optionalCgroup = true;
        // Born in it rather than moved in (clone_into.c): no wait for the kernel's cgroup migration lock.
        if (cg !== undefined && tree!.clonable(req.job, req.instance)) spec.cgroupInto = true;
        // A ticket, not a pid: the engine holds the provisional id until execed gives the pid.
        pid = -this.spawnIn(spec, cg, req, confined, (s) => this.sys.spawnStart!(s, handoff));
        this.pending.set(pid, { job: req.job, cgroup: cg, held: [], signals: [] });
      } else {
        pid = this.spawnIn(spec, cg, req, confined);
      }
      let output: Promise<void> | undefined;
      let master: number | undefined;
      if (pty) {
        master = pty.master;
        if (!later) this.sys.closeFd(pty.slave);
        output = this.attach(req, pty.master);
        pty = undefined;
      }
      if (script) {
        if (!later) this.sys.closeFd(script.readFd);
        const writeFd = script.writeFd;
        script = undefined;
        feedScript(writeFd, req.script!, (err) => this.log('warn', `${req.job}: cannot feed the ${req.process} script: ${err.message}`));
      }
      const owned: Owned = { output, awaitingStop: req.expect.kind === 'stop' };
      if (master !== undefined) owned.master = master;
      // A new main process: an earlier stop's sweep (restart) is done with.
      if (req.process === 'main') this.swept.delete(instanceKey(req.job, req.instance));
      if (cg !== undefined) {
        owned.inst = { job: req.job, instance: req.instance };
        owned.expectExit = req.process === 'main' && req.expect.kind === 'exit';
      }
      this.owned.set(pid, owned);
      if (req.expect.kind === 'fork' || req.expect.kind === 'daemon') {
        this.follower.follow(pid, req.expect.kind === 'fork' ? 1 : 2);
      }
      this.updateRef();
      return later ? { ok: true, pid, pending: true } : { ok: true, pid };
    } catch (err) {
      if (pty) { this.sys.closeFd(pty.master); this.sys.closeFd(pty.slave); }
      if (script) { this.sys.closeFd(script.readFd); this.sys.closeFd(script.writeFd); }
      return failure(err);
    }
  }

  signal(inst: InstanceRef, target: KillTarget, signal: string, pids: readonly number[]): void {
    const waiting = pids.find((p) => this.pending.has(p));
    if (waiting !== undefined) {
      // Its pid is not known yet, and the child may not be in the cgroup yet: the whole signal is
      // sent once the outcome says the pid (the child has then exec'd, or is dying), without the pid
      // if that process is gone already.
      this.pending.get(waiting)!.signals.push((pid) => {
        const now = pids.flatMap((p) => (p !== waiting ? [p] : pid !== undefined ? [pid] : []));
        if (now.length > 0 || target === 'cgroup') this.signal(inst, target, signal, now);
      });
      return;
    }
    if (target === 'cgroup') {
      const tree = this.cgroups();
      // The cgroup holds the job when its main process joined it (or when only the cgroup is asked for).
      const joined = pids.length === 0 || pids.some((p) => this.owned.get(p)?.inst !== undefined);
      if (tree !== undefined && joined) {
        // A stop reaches every process of the job, wherever it moved (setsid, double fork). Each had
        // the signal once: its process group is inside the cgroup, and a second delivery would run a
        // TERM trap twice.
        if (tree.kill(inst.job, inst.instance, signal) !== 0) return;
      }
    }
    for (const pid of pids) this.kill(pid, signal, target !== 'main');
  }

  /** Signals one process (group: its process group). Missing processes are ignored. */
  kill(pid: number, signal: string, group = false): void {
    if (!(pid > 0)) {
      // Never to kill(2) with a provisional id (kill(-N) signals a process group): a pending spawn's
      // signal waits for its pid; anything else is no process of ours.
      const p = this.pending.get(pid);
      if (p !== undefined) p.signals.push((real) => { if (real !== undefined) this.kill(real, signal, group); });
      else this.log('debug', `not sending ${signal} to ${pid}: not a process id`);
      return;
    }
    // Not ready yet (expect fork/daemon): the spawned pid may have forked and gone; signal its successor.
    pid = this.follower.standIn(pid) ?? pid;
    try {
      // A job process leads its own group; a daemon followed through forks is in the group it
      // ended up in (its first parent's, or one it made with setsid), never ours.
      const pgid = group ? processGroupOf(pid) : undefined;
      if (pgid !== undefined && pgid !== ownProcessGroup()) this.sys.killGroup(pgid, signal);
      else this.sys.kill(pid, signal);
    } catch (err) {
      if (err instanceof SyscallError && err.code === 'ESRCH') return;
      this.log('warn', `cannot send ${signal} to ${group ? 'group ' : ''}${pid}: ${(err as Error).message}`);
    }
  }

  signalPending(signal: string): number {
    for (const p of this.pending.values()) p.signals.push((pid) => { if (pid !== undefined) this.kill(pid, signal, true); });
    return this.pending.size;
  }

  resume(pid: number): void {
    this.kill(pid, 'CONT');
  }

  instanceGone(job: string, instance: string): void {
    const tree = this.cgroups();
    if (!tree) return;
    // The engine's kill mode decided what to signal before this; only an instance an older image had
    // swept (its re-exec state) still has its leftovers killed here, as that image would have.
    if (this.swept.delete(instanceKey(job, instance))) tree.kill(job, instance, 'KILL');
    tree.release(job, instance);
  }

  /** The job cgroups, once there are some; from then on exits name the child's cgroup (orphans can be told apart). */
  private cgroups(): CgroupTree | undefined {
    const tree = this.opts.cgroups?.();
    if (tree !== undefined && !this.reaperNamesCgroups) {
      this.sys.reaperCgroups(true);
      this.reaperNamesCgroups = true;
    }
    return tree;
  }

  /** A short helper program for the daemon itself, not a job (systemd-tmpfiles for the tmpfiles stanza): see HelperRuns. */
  runHelper(argv: string[], env: string[], timeoutMs = 30_000): Promise<HelperResult> {
    const p = this.helpers.run(argv, env, timeoutMs);
    this.updateRef();
    return p;
  }

  /**
   * sys.spawn (or `start`: spawnStart); a cgroup we could make but not join costs the tracking, never
   * the process (with spawnStart, a join that fails in the child comes back as a note: onOutcomes).
   */
  private spawnIn(spec: SpawnSpec, cg: string | undefined, req: SpawnRequest, confined: boolean, start = (s: SpawnSpec) => this.sys.spawn(s)): number {
    try {
      return start(spec);
    } catch (err) {
      if (confined || !(cg !== undefined && err instanceof SpawnError && err.stage === 'cgroup')) throw err;
      this.log('warn', `${req.job}: cannot join its cgroup (${err.message}); running it without one`);
      spec.cgroups = spec.cgroups?.filter((d) => d !== cg);
      delete spec.optionalCgroup;
      delete spec.cgroupCreate;
      delete spec.cgroupInto;
      return start(spec);
    }
  }

  /**
   * expect exit N with cgroups: the instance's processes that are now our children (re-parented
   * to us as their parent exited) join the main slot, so their exits count and what is left at
   * readiness is the main process. Only our children: their ends are sure to reach this reaper.
   */
  private adoptChildren(inst: { job: string; instance: string }, output: Promise<void> | undefined): void {
    for (const pid of this.cgroups()?.pids(inst.job, inst.instance) ?? []) {
      if (this.owned.has(pid) || parentOf(pid) !== process.pid) continue;
      if (this.events?.adopted({ ...inst, pid })) this.owned.set(pid, { output, awaitingStop: false, inst, expectExit: true });
    }
  }

  retrack(from: number, to: number): boolean {
    if (!(from > 0) || !(to > 0)) return false;
    const owned = this.owned.get(from);
    if (owned === undefined || this.owned.has(to) || this.follower.has(from)) return false;
    this.owned.delete(from);
    this.owned.set(to, { ...owned, awaitingStop: false });
    this.events?.ready(from, to);
    return true;
  }

  private buildSpec(req: SpawnRequest): SpawnSpec {
    const spec: SpawnSpec = { argv: req.argv, env: req.env, setsid: true, rlimits: req.limits };
    if (req.fdMap !== undefined && req.fdMap.length > 0) spec.fdMap = req.fdMap;
    if (req.pidEnv !== undefined && req.pidEnv.length > 0) spec.pidEnv = req.pidEnv;
    if (req.umask !== undefined) spec.umask = req.umask;
    if (req.nice !== undefined) spec.nice = req.nice;
    if (req.oomScoreAdj !== undefined) {
      if (oomScoreAllowed(req.oomScoreAdj)) spec.oomScoreAdj = req.oomScoreAdj;
      else if (!this.oomWarned.has(req.job)) {
        // As systemd does in a container: the job runs, with the score it inherits.
        this.oomWarned.add(req.job);
        this.log('warn', `${req.job}: oom score ${req.oomScoreAdj} not applied: lowering it needs CAP_SYS_RESOURCE, which the daemon lacks`);
      }
    }
    if (req.chroot !== undefined) spec.chroot = req.chroot;
    if (req.chdir !== undefined) spec.cwd = req.chdir;
    if (req.setuid !== undefined) spec.user = req.setuid;
    if (req.setgid !== undefined) spec.group = req.setgid;
    if (req.expect.kind === 'fork' || req.expect.kind === 'daemon') spec.traceMe = true;
    if (req.console === 'none') spec.stdio = ['null', 'null', 'null'];
    else if (req.console === 'output' || req.console === 'owner') {
      const c = this.opts.consoleFd;
      const fds: [Stdio, Stdio, Stdio] = c === undefined ? ['inherit', 'inherit', 'inherit'] : [c, c, c];
      spec.stdio = fds;
      if (req.console === 'owner' && this.sys.isatty(c ?? 0)) spec.controllingTty = true;
    }
    return spec;
  }

  private attach(req: SpawnRequest, master: number): Promise<void> {
    try {
      return this.opts.sink.attach({ job: req.job, instance: req.instance }, master).catch((err: Error) => {
        this.log('warn', `${req.job}: output capture failed: ${err.message}`);
      });
    } catch (err) {
      this.log('warn', `${req.job}: output capture failed: ${(err as Error).message}`);
      return Promise.resolve();
    }
  }

  /**
   * Outcomes of spawnStart: the provisional id becomes the pid (or leaves: a failed clone), execed
   * first, then the signals asked for meanwhile, then what the reaper held of that pid.
   */
  private onOutcomes(outcomes: SpawnOutcome[]): void {
    for (const o of outcomes) {
      const id = -o.ticket;
      const p = this.pending.get(id);
      if (p === undefined) continue;
      this.pending.delete(id);
      this.pendingPids.delete(o.pid);
      const owned = this.owned.get(id);
      this.owned.delete(id);
      if (owned !== undefined && o.pid > 0) this.owned.set(o.pid, owned);
      try {
        if (o.cgroupErrno !== undefined && p.cgroup !== undefined) {
          this.log('warn', `${p.job}: cannot join its cgroup (${new SpawnError('cgroup', o.cgroupErrno, p.cgroup).message}); running it without one`);
        }
        if (o.error === undefined) this.events?.execed(id, o.pid);
        else this.events?.execed(id, o.pid, { stage: o.error.stage, errno: o.error.errno, code: o.error.code, message: o.error.message });
        // A reaped pid is not signalled by number (it may be reused); a cgroup still is.
        const gone = o.pid <= 0 || p.held.some((s) => toExitInfo(s) !== undefined);
        for (const send of p.signals) send(gone ? undefined : o.pid);
        for (const s of p.held) this.onStatus(s);
      } catch (err) {
        this.log('error', `spawn outcome: ${(err as Error).stack ?? String(err)}`);
      }
    }
    this.updateRef();
  }

  private onStatuses(statuses: ChildStatus[]): void {
    for (const s of statuses) {
      try {
        this.onStatus(s);
      } catch (err) {
        this.log('error', `reaper: ${(err as Error).stack ?? String(err)}`);
      }
    }
    this.updateRef();
  }

  private onStatus(s: ChildStatus): void {
    const pending = this.pending.size > 0 && !this.owned.has(s.pid) ? this.pendingOf(s.pid) : undefined;
    if (pending !== undefined) {
      pending.held.push(s);
      return;
    }
    // Traced pids, and stops of pids we do not own (a new tracee whose parent's fork event is still queued).
    if (this.follower.has(s.pid) || (s.kind === 'stopped' && !this.owned.has(s.pid))) {
      const d = this.follower.onStatus(s);
      if (d.kind === 'ready') {
        const spawned = this.owned.get(d.spawned);
        this.owned.delete(d.spawned);
        // The daemon it became keeps the instance (its cgroup sweeps on stop) and the output to wait for.
        this.owned.set(d.final, { ...spawned, output: spawned?.output, awaitingStop: false });
        this.events?.ready(d.spawned, d.final);
        return;
      }
      if (d.kind === 'consumed' || d.kind === 'swallow') return;
      if (d.kind === 'report') {
        const info = toExitInfo(s, d.pid);
        const owned = this.owned.get(d.pid);
        this.owned.delete(d.pid);
        if (info) this.exits.report(info, owned?.output);
        return;
      }
    }
    const owned = this.owned.get(s.pid);
    if (s.kind === 'stopped') {
      if (owned?.awaitingStop && s.signal === SIGSTOP) {
        owned.awaitingStop = false;
        this.events?.ready(s.pid, s.pid);
      }
      return;
    }
    const info = toExitInfo(s);
    if (!info) return;
    if (this.helpers.ended(s.pid, info)) return;
    if (owned) {
      this.owned.delete(s.pid);
      if (owned.expectExit && owned.inst) this.adoptChildren(owned.inst, owned.output);
      this.exits.report(info, owned.output);
      return;
    }
    // An orphan of a job (in its cgroup) that ended before we knew of it: one of expect exit N's steps?
    const inst = s.cgroup !== undefined ? this.cgroups()?.ownerOf(s.cgroup) : undefined;
    if (inst !== undefined && this.events?.adopted({ ...inst, pid: s.pid })) {
      this.adoptChildren(inst, undefined);
      this.exits.report(info, undefined);
      return;
    }
    this.opts.onUnowned?.(s.pid, info);
  }

  /**
   * The pending spawn whose child has this pid, if any. A child stores its pid before anything else,
   * so a status reaped for a pid no pending spawn lists is no pending spawn's (an orphan's, a helper's).
   */
  private pendingOf(pid: number): PendingExec | undefined {
    let id = this.pendingPids.get(pid);
    if (id === undefined) {
      const flat = this.sys.spawnPids?.() ?? [];
      for (let i = 0; i + 1 < flat.length; i += 2) this.pendingPids.set(flat[i + 1]!, -flat[i]!);
      id = this.pendingPids.get(pid);
    }
    return id === undefined ? undefined : this.pending.get(id);
  }

  /** The reaper keeps the loop alive only while some process or report is outstanding. */
  private updateRef(): void {
    if (!this.closed) this.sys.reaperRef(this.owned.size > 0 || this.exits.outstanding > 0 || this.helpers.size > 0 || this.pending.size > 0);
  }
}

let ownGroup: number | undefined;
/** The daemon's own process group: it never changes after start, so /proc is read once. */
function ownProcessGroup(): number | undefined {
  ownGroup ??= processGroupOf(process.pid);
  return ownGroup;
}

function failure(err: unknown): SpawnResult {
  if (err instanceof SpawnError) {
    return { ok: false, stage: err.stage, errno: err.errno, code: err.code, message: err.message };
  }
  if (err instanceof CgroupLimitError) {
    return { ok: false, stage: 'cgroup', errno: 22, code: 'EINVAL', message: err.message };
  }
  if (err instanceof SyscallError) {
    return { ok: false, stage: err.syscall, errno: err.errno, code: err.code, message: err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, stage: 'spec', errno: 22, code: 'EINVAL', message };
}
