// ForkFollower: expect fork/daemon via ptrace — follows a traced child through N forks to the daemon's pid.
import type { ChildStatus } from '../sys/reaper.ts';
import type { Ptrace } from '../sys/ports.ts';
import type { LogFn } from '../model/log.ts';

const SIGTRAP = 5;
const SIGSTOP = 19;

/** What the adapter should do with a status after the follower has looked at it. */
export type FollowDecision =
  | { kind: 'consumed' }                 // a ptrace stop, handled here
  | { kind: 'swallow' }                  // exit of a detached intermediate (the parent that forked)
  | { kind: 'report'; pid: number }      // exit to report under this pid (spawned pid before ready)
  | { kind: 'ready'; spawned: number; final: number } // (returned from onStatus when the last fork is seen)
  | { kind: 'unknown' };                 // not a process the follower knows

interface Follow {
  spawned: number;
  /** The process whose next fork we wait for (traced); undefined once ready. */
  current: number | undefined;
  forksLeft: number;
  final: number | undefined;
}

/**
 * Invariants: every pid in `traced` is attached to us and belongs to one Follow; a new child is
 * resumed (or, when it is the final one, detached) at its first SIGSTOP, which may be reported
 * before or after its parent's fork event (`earlyStops` holds the ones that came first).
 */
export class ForkFollower {
  private readonly traced = new Map<number, { follow: Follow; awaitingFirstStop: boolean; optionsSet: boolean }>();
  private readonly intermediates = new Set<number>();
  private readonly finals = new Map<number, Follow>();
  private readonly earlyStops = new Set<number>();

  constructor(
    private readonly log: LogFn,
    private readonly ptrace: Ptrace,
  ) {}

  /** Starts following a child spawned with traceMe; `forks` is 1 for expect fork, 2 for expect daemon. */
  follow(spawned: number, forks: number): void {
    const follow: Follow = { spawned, current: spawned, forksLeft: forks, final: undefined };
    this.traced.set(spawned, { follow, awaitingFirstStop: false, optionsSet: false });
  }

  /** For a spawned pid whose forks are still being followed: the process that stands for it now. */
  standIn(spawned: number): number | undefined {
    for (const [pid, t] of this.traced) if (t.follow.spawned === spawned && t.follow.current === pid) return pid;
    return undefined;
  }

  /** Whether any process is being followed now (a re-exec waits until none is: ptrace does not carry over). */
  get busy(): boolean {
    return this.traced.size > 0 || this.intermediates.size > 0 || this.finals.size > 0 || this.earlyStops.size > 0;
  }

  has(pid: number): boolean {
    return this.traced.has(pid) || this.intermediates.has(pid) || this.finals.has(pid);
  }

  onStatus(s: ChildStatus): FollowDecision {
    const ended = s.kind === 'exited' || s.kind === 'killed' || s.kind === 'dumped';
    if (ended) return this.onEnd(s.pid);
    const t = this.traced.get(s.pid);
    if (!t) {
      if (s.kind === 'stopped' && s.signal === SIGSTOP && !this.finals.has(s.pid) && !this.intermediates.has(s.pid)) {
        this.earlyStops.add(s.pid); // maybe a new tracee whose parent's fork event is still queued
        return { kind: 'consumed' };
      }
      return { kind: 'unknown' };
    }
    if (s.kind === 'trapped' && !t.optionsSet) {
      t.optionsSet = true;
      this.try(() => this.ptrace.ptraceSetOptions(s.pid, this.ptrace.PTRACE_O.TRACEFORK | this.ptrace.PTRACE_O.TRACEEXEC));
      this.try(() => this.ptrace.ptraceCont(s.pid, 0));
      return { kind: 'consumed' };
    }
    if (s.kind === 'event') {
      if (s.event === this.ptrace.PTRACE_EVENT.FORK) return this.onFork(s.pid, t.follow);
      this.try(() => this.ptrace.ptraceCont(s.pid, 0));
      return { kind: 'consumed' };
    }
    if (s.kind === 'stopped' && t.awaitingFirstStop && s.signal === SIGSTOP) {
      t.awaitingFirstStop = false;
      this.releaseNewChild(s.pid, t.follow);
      return { kind: 'consumed' };
    }
    if (s.kind === 'stopped' || s.kind === 'trapped') {
      // A signal for the tracee: deliver it.
      this.try(() => this.ptrace.ptraceCont(s.pid, s.kind === 'trapped' ? SIGTRAP : s.signal));
      return { kind: 'consumed' };
    }
    return { kind: 'consumed' };
  }

  private onFork(parent: number, follow: Follow): FollowDecision {
    let child: number;
    try {
      child = this.ptrace.ptraceGetEventMsg(parent);
    } catch (err) {
      this.log('warn', `expect fork: cannot read the new pid of ${parent}: ${(err as Error).message}`);
      return { kind: 'consumed' };
    }
    follow.forksLeft -= 1;
    // The parent has done its part: let it go (a daemon's parent usually exits right away).
    this.traced.delete(parent);
    this.intermediates.add(parent);
    this.try(() => this.ptrace.ptraceDetach(parent, 0));
    const entry = { follow, awaitingFirstStop: true, optionsSet: true };
    this.traced.set(child, entry);
    let decision: FollowDecision = { kind: 'consumed' };
    if (follow.forksLeft <= 0) {
      follow.final = child;
      follow.current = undefined;
      this.finals.set(child, follow);
      decision = { kind: 'ready', spawned: follow.spawned, final: child };
    } else {
      follow.current = child;
    }
    if (this.earlyStops.delete(child)) {
      entry.awaitingFirstStop = false;
      this.releaseNewChild(child, follow);
    }
    return decision;
  }

  /** At a new child's first stop: keep following it, or detach it when it is the final process. */
  private releaseNewChild(pid: number, follow: Follow): void {
    if (follow.final === pid) {
      this.traced.delete(pid);
      this.try(() => this.ptrace.ptraceDetach(pid, 0));
    } else {
      this.try(() => this.ptrace.ptraceCont(pid, 0));
    }
  }

  private onEnd(pid: number): FollowDecision {
    this.earlyStops.delete(pid);
    const t = this.traced.get(pid);
    this.traced.delete(pid);
    if (this.intermediates.delete(pid)) return { kind: 'swallow' };
    const f = this.finals.get(pid);
    if (f) {
      this.finals.delete(pid);
      return { kind: 'report', pid };
    }
    // The followed process died before forking enough: the job's main process failed.
    if (t && t.follow.current === pid) return { kind: 'report', pid: t.follow.spawned };
    return { kind: 'unknown' };
  }

  private try(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log('debug', `ptrace: ${(err as Error).message}`);
    }
  }
}
