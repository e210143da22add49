// The native addon exactly as C exports it (native/src/*.c): its one typing, the loader, and the checks every sys/ file shares.
import { createRequire } from 'node:module';
import type { RLimitName } from '../model/jobClass.ts';
import { signalNumber } from '../model/signals.ts';
import type { ChildStatus } from './reaper.ts';
import type { DgramCallback, DgramSocket, FdWatch, PeerCred, StreamCallback, StreamReader } from './socket.ts';
import type { Pty } from './pty.ts';
import type { PumpEvent, PumpHandle, PumpStatus } from './pump.ts';
import type { RawSpawnSpec, SpawnOutcome } from './spawn.ts';
import { SpawnError } from './spawnError.ts';
import { SyscallError } from './syscallError.ts';

/** The addon's functions; the sys/ files wrap each with TS-side validation. */
export interface NativeAddon {
  setErrorClasses(syscallError: typeof SyscallError, spawnError: typeof SpawnError): void;
  spawn(spec: RawSpawnSpec): number;
  spawnStart(spec: RawSpawnSpec, handoff?: number[]): number;
  spawnResults(cb: ((outcomes: SpawnOutcome[]) => void) | null): void;
  spawnPids(): number[];
  cgroupRemove(dirs: string[]): boolean;
  cgroupSettle(dir: string): void;
  cgroupRemoveFailures(cb: ((failures: Array<[string, number]>) => void) | null): void;
  startReaper(cb: (statuses: ChildStatus[]) => void): void;
  stopReaper(): void;
  reaperRef(on: boolean): void;
  reaperCgroups(on: boolean): void;
  reapNow(): ChildStatus[];
  openpty(opts?: { raw?: boolean; cols?: number; rows?: number }): Pty;
  setCloexec(fd: number, on: boolean): void;
  getCloexec(fd: number): boolean;
  setNonblock(fd: number, on: boolean): void;
  pipe(): [number, number];
  close(fd: number): void;
  isatty(fd: number): boolean;
  dup(fd: number): number;
  kill(pid: number, signal: number): void;
  setChildSubreaper(on: boolean): void;
  getChildSubreaper(): boolean;
  sync(): void;
  reboot(cmd: number): void;
  kdSigAccept(path: string, signal: number): void;
  mount(source: string, target: string, fstype: string, flags: number, data: string | null): void;
  execve(path: string, argv: string[], envp: string[]): never;
  getrlimit(resource: number): { soft: number; hard: number };
  setrlimit(resource: number, soft: number, hard: number): void;
  ptraceSetOptions(pid: number, options: number): void;
  ptraceCont(pid: number, signal: number): void;
  ptraceDetach(pid: number, signal: number): void;
  ptraceGetEventMsg(pid: number): number;
  peerCred(fd: number): PeerCred;
  openDgramSocket(path: string | number, cb: DgramCallback): DgramSocket;
  readStream(fd: number, cb: StreamCallback): StreamReader;
  openNetlinkSocket(protocol: number, groups: number, cb: DgramCallback): DgramSocket;
  listenSocket(family: 'inet' | 'inet6' | 'unix', address: string, port: number, backlog: number): number;
  watchReadable(fd: number, cb: (error: boolean) => void): FdWatch;
  sendDgram(path: string, data: Buffer, fds: number[]): void;
  unixStream(path: string, listen: boolean): number;
  pumpStart(master: number, cb: (ev: PumpEvent) => void): PumpHandle;
  pumpSetFile(h: PumpHandle, fd: number, path: string): void;
  pumpClearFile(h: PumpHandle): void;
  pumpPause(h: PumpHandle, on: boolean): void;
  pumpAbandon(h: PumpHandle): void;
  pumpStatus(h: PumpHandle): PumpStatus;
  pumpStop(h: PumpHandle, timeoutMs: number): Buffer | null | false;
  memfdCreate(name: string): number;
  mallocTrim(): boolean;
  adjustExternalMemory(bytes: number): number;
  dropCleanFilePages(): number;
  constants: {
    rlimit: Record<RLimitName, number>;
    ptraceOption: Record<'TRACESYSGOOD' | 'TRACEFORK' | 'TRACEVFORK' | 'TRACECLONE' | 'TRACEEXEC' | 'TRACEEXIT' | 'EXITKILL', number>;
    ptraceEvent: Record<'FORK' | 'VFORK' | 'CLONE' | 'EXEC' | 'EXIT' | 'STOP', number>;
    reboot: Record<'RESTART' | 'HALT' | 'POWER_OFF' | 'CAD_ON' | 'CAD_OFF' | 'SW_SUSPEND' | 'KEXEC', number>;
  };
}

const require = createRequire(import.meta.url);
// src/sys/addon.ts, dist/sys/addon.js and dist/bundle/ all sit at the same depth below the package root.
export const addon = require(new URL('../../native/build/Release/upstart_native.node', import.meta.url).pathname) as NativeAddon;
addon.setErrorClasses(SyscallError, SpawnError);

export function fail(what: string): never {
  throw new TypeError(what);
}

export function isInt(v: unknown, min = -0x80000000, max = 0x7fffffff): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

export function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.includes('\0'))) fail(`${what} must be an array of strings without NUL bytes`);
  return v as string[];
}

export function fd(v: unknown, what = 'fd'): number {
  return isInt(v, 0) ? v : fail(`${what} must be a file descriptor`);
}

export function pidArg(v: unknown, what = 'pid'): number {
  return isInt(v, 1) ? v : fail(`${what} must be a positive integer`);
}

export function limitNumber(v: number | 'unlimited', what: string): number {
  if (v === 'unlimited') return Infinity;
  if (typeof v !== 'number' || !(v >= 0)) fail(`${what} must be a non-negative number or 'unlimited'`);
  return v;
}

/** Signal number for a name ('TERM', 'SIGTERM') or number; TypeError when unknown. */
export function toSignalNumber(signal: string | number): number {
  if (typeof signal === 'number') {
    if (!isInt(signal, 0, 64)) fail(`signal ${signal} is out of range`);
    return signal;
  }
  return signalNumber(signal) ?? fail(`unknown signal ${signal}`);
}
