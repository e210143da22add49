// What the process adapter and the fork follower ask of sys/, as interfaces (types only): the real namespace fits, tests pass fakes.
import type { ChildStatus } from './reaper.ts';
import type { Pty } from './pty.ts';
import type { SpawnOutcome, SpawnSpec } from './spawn.ts';

/** The ptrace calls that follow a daemon through its forks (expect fork / daemon), with the constants they need. */
export interface Ptrace {
  ptraceSetOptions(pid: number, options: number): void;
  ptraceCont(pid: number, signal?: number): void;
  ptraceDetach(pid: number, signal?: number): void;
  ptraceGetEventMsg(pid: number): number;
  readonly PTRACE_O: { readonly TRACEFORK: number; readonly TRACEEXEC: number };
  readonly PTRACE_EVENT: { readonly FORK: number };
}

/** Everything NativeProcessPort calls below it: spawn, the reaper, ptys, fds and signals. */
export interface ProcessSys extends Ptrace {
  spawn(spec: SpawnSpec): number;
  /** Without them (fakes), every spawn is synchronous. */
  spawnStart?(spec: SpawnSpec, handoff?: number[]): number;
  onSpawnOutcomes?(cb: ((outcomes: SpawnOutcome[]) => void) | null): void;
  /** [ticket, pid, ...] of the spawnStart tickets whose child exists, outcome not yet delivered. */
  spawnPids?(): number[];
  startReaper(cb: (statuses: ChildStatus[]) => void): void;
  stopReaper(): void;
  reaperRef(on: boolean): void;
  reaperCgroups(on: boolean): void;
  openpty(opts?: { raw?: boolean; cols?: number; rows?: number }): Pty;
  closeFd(fd: number): void;
  isatty(fd: number): boolean;
  kill(pid: number, signal: string | number): void;
  killGroup(pgid: number, signal: string | number): void;
}
