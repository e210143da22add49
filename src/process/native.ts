// Typed loader for the native addon (native/): the one typing of its surface, plus TS-side validation.
import { createRequire } from 'node:module';
import type { RLimit, RLimitName } from '../model/jobClass.ts';
import { RLIMIT_NAMES } from '../model/jobClass.ts';
import { signalNumber } from '../model/signals.ts';
import { SpawnError } from './spawnError.ts';
import { SyscallError } from './syscallError.ts';

/** One child status from waitpid(-1): exit, death by signal, stop, ptrace trap or event. */
export interface ChildStatus {
  pid: number;
  /** 'trapped' = stopped by SIGTRAP (e.g. after exec under TRACEME); 'event' = a ptrace event stop. */
  kind: 'exited' | 'killed' | 'dumped' | 'stopped' | 'trapped' | 'event' | 'continued' | 'unknown';
  /** Exit status for 'exited'. */
  status: number;
  /** Signal number for killed/dumped/stopped/trapped/event. */
  signal: number;
  /** PTRACE_EVENT_* number for 'event', else 0. */
  event: number;
  /** With reaperCgroups(true), for an exit: the child's cgroup v2 path (e.g. `/upstart/foo`). */
  cgroup?: string;
}

/** stdio for one of fds 0/1/2: inherit the daemon's, /dev/null, or a given fd (a pty slave, a log pipe). */
export type Stdio = 'inherit' | 'null' | number;

export interface SpawnSpec {
  /** The file to exec; defaults to argv[0]. Without '/', PATH from `env` is searched (after chroot). */
  file?: string;
  argv: string[];
  /** KEY=VALUE strings. */
  env: string[];
  cwd?: string;
  chroot?: string;
  umask?: number;
  nice?: number;
  oomScoreAdj?: number;
  rlimits?: Partial<Record<RLimitName, RLimit>>;
  /** User name (or numeric uid): sets uid, gid (unless `group`) and supplementary groups as initgroups does. */
  user?: string;
  /** Group name (or numeric gid). */
  group?: string;
  /** New session (and process group) via setsid. */
  setsid?: boolean;
  /** Make stdio[0] the controlling tty (needs setsid and a tty on fd 0). */
  controllingTty?: boolean;
  stdio?: [Stdio, Stdio, Stdio];
  /** cgroup directories to join before exec (the child writes itself into each cgroup.procs). */
  cgroups?: string[];
  /** PTRACE_TRACEME before exec: the child stops with SIGTRAP after exec. */
  traceMe?: boolean;
  /** fds (>= 3) that stay open across exec (close-on-exec is cleared in the child only). */
  keepFds?: number[];
}

export interface Pty {
  /** Non-blocking, close-on-exec; read it until EOF/EIO. */
  master: number;
  /** Close-on-exec; give it to the child as stdio, then close it in the daemon. */
  slave: number;
  path: string;
}

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

export interface DgramSocket {
  readonly fd: number;
  close(): void;
  /** Whether the socket keeps the event loop alive (default true). */
  ref(on: boolean): void;
}

/** Sender credentials of a datagram (SO_PASSCRED); -1 when the kernel gave none. */
export type DgramCallback = (data: Buffer, sender: PeerCred) => void;

interface RawSpawnSpec {
  file: string;
  argv: string[];
  envp: string[];
  cwd?: string;
  chroot?: string;
  umask?: number;
  nice?: number;
  oomScoreAdj?: number;
  rlimits?: [number, number, number][];
  user?: string;
  group?: string;
  setsid?: boolean;
  controllingTty?: boolean;
  stdio: [number, number, number];
  cgroups?: string[];
  traceMe?: boolean;
  keepFds?: number[];
}

/** A log pump thread (native/src/logpump.c); opaque to JS. */
export interface PumpHandle {
  readonly __pump: unique symbol;
}

/** What a log pump reports on the event loop, several facts at once. */
export interface PumpEvent {
  /** Bytes read from the master and relayed (not written directly), in order. */
  data?: Buffer;
  /** Direct writing stopped: -1 the file was renamed or deleted, else the errno of the failed write. */
  directEnded?: number;
  /** Present once the thread has finished: true at end of file (or a read error, see endErrno); false when abandoned or it never ran. */
  end?: boolean;
  endErrno?: number;
  /** Bytes written directly so far (a running total). */
  written: number;
}

export interface PumpStatus {
  written: number;
  /** Writing straight to a log fd now. */
  direct: boolean;
  /** How long the stat/write in progress has taken, 0 if none. */
  busyMs: number;
}

/** The addon exactly as C exports it (native/src/*.c). */
interface NativeAddon {
  setErrorClasses(syscallError: typeof SyscallError, spawnError: typeof SpawnError): void;
  spawn(spec: RawSpawnSpec): number;
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
  pumpStart(master: number, cb: (ev: PumpEvent) => void): PumpHandle;
  pumpSetFile(h: PumpHandle, fd: number, path: string): void;
  pumpClearFile(h: PumpHandle): void;
  pumpPause(h: PumpHandle, on: boolean): void;
  pumpAbandon(h: PumpHandle): void;
  pumpStatus(h: PumpHandle): PumpStatus;
  pumpStop(h: PumpHandle, timeoutMs: number): Buffer | null | false;
  memfdCreate(name: string): number;
  constants: {
    rlimit: Record<RLimitName, number>;
    ptraceOption: Record<'TRACESYSGOOD' | 'TRACEFORK' | 'TRACEVFORK' | 'TRACECLONE' | 'TRACEEXEC' | 'TRACEEXIT' | 'EXITKILL', number>;
    ptraceEvent: Record<'FORK' | 'VFORK' | 'CLONE' | 'EXEC' | 'EXIT' | 'STOP', number>;
    reboot: Record<'RESTART' | 'HALT' | 'POWER_OFF' | 'CAD_ON' | 'CAD_OFF' | 'SW_SUSPEND' | 'KEXEC', number>;
  };
}

const require = createRequire(import.meta.url);
// src/process/native.ts and dist/process/native.js sit at the same depth below the package root.
const addon = require(new URL('../../native/build/Release/upstart_native.node', import.meta.url).pathname) as NativeAddon;
addon.setErrorClasses(SyscallError, SpawnError);

export const PTRACE_O = addon.constants.ptraceOption;
export const PTRACE_EVENT = addon.constants.ptraceEvent;
export const REBOOT = addon.constants.reboot;

function fail(what: string): never {
  throw new TypeError(what);
}

function isInt(v: unknown, min = -0x80000000, max = 0x7fffffff): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.includes('\0'))) fail(`${what} must be an array of strings without NUL bytes`);
  return v as string[];
}

function limitNumber(v: number | 'unlimited', what: string): number {
  if (v === 'unlimited') return Infinity;
  if (typeof v !== 'number' || !(v >= 0)) fail(`${what} must be a non-negative number or 'unlimited'`);
  return v;
}

function stdioFd(v: Stdio, i: number): number {
  if (v === 'inherit') return -1;
  if (v === 'null') return -2;
  if (!isInt(v, 0)) fail(`stdio[${i}] must be 'inherit', 'null' or a file descriptor`);
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

/** Validates a spawn spec and converts it to the addon's form; throws TypeError naming the bad field. */
export function toRawSpec(spec: SpawnSpec): RawSpawnSpec {
  const argv = strings(spec.argv, 'argv');
  if (argv.length === 0) fail('argv must not be empty');
  const raw: RawSpawnSpec = {
    file: spec.file ?? argv[0]!,
    argv,
    envp: strings(spec.env, 'env'),
    stdio: (spec.stdio ?? ['inherit', 'inherit', 'inherit']).map(stdioFd) as [number, number, number],
  };
  if (raw.file === '') fail('file must not be empty');
  if (spec.cwd !== undefined) raw.cwd = spec.cwd;
  if (spec.chroot !== undefined) raw.chroot = spec.chroot;
  if (spec.umask !== undefined) raw.umask = isInt(spec.umask, 0, 0o7777) ? spec.umask : fail('umask must be 0..0o7777');
  if (spec.nice !== undefined) raw.nice = isInt(spec.nice, -20, 19) ? spec.nice : fail('nice must be -20..19');
  if (spec.oomScoreAdj !== undefined) {
    raw.oomScoreAdj = isInt(spec.oomScoreAdj, -1000, 1000) ? spec.oomScoreAdj : fail('oomScoreAdj must be -1000..1000');
  }
  if (spec.rlimits !== undefined) {
    raw.rlimits = Object.entries(spec.rlimits).map(([name, lim]) => {
      if (!(RLIMIT_NAMES as readonly string[]).includes(name)) fail(`unknown rlimit ${name}`);
      return [addon.constants.rlimit[name as RLimitName], limitNumber(lim.soft, `${name} soft`), limitNumber(lim.hard, `${name} hard`)];
    });
  }
  if (spec.user !== undefined) raw.user = spec.user;
  if (spec.group !== undefined) raw.group = spec.group;
  if (spec.setsid) raw.setsid = true;
  if (spec.controllingTty) raw.controllingTty = true;
  if (spec.traceMe) raw.traceMe = true;
  if (spec.cgroups !== undefined && spec.cgroups.length > 0) raw.cgroups = strings(spec.cgroups, 'cgroups');
  if (spec.keepFds !== undefined && spec.keepFds.length > 0) {
    if (spec.keepFds.some((fd) => !isInt(fd, 3))) fail('keepFds must be file descriptors >= 3');
    raw.keepFds = spec.keepFds;
  }
  return raw;
}

/** Starts a process; returns its pid. Throws SpawnError (synchronously) when the child cannot reach exec. */
export function spawn(spec: SpawnSpec): number {
  return addon.spawn(toRawSpec(spec));
}

/**
 * The one reaper: every waitpid(-1) status (own children, orphans, ptrace stops) goes to `cb`, in
 * batches, on the event loop. Throws if a reaper is already running. Never combine with node:child_process.
 */
export function startReaper(cb: (statuses: ChildStatus[]) => void): void {
  addon.startReaper(cb);
}
export const stopReaper = (): void => addon.stopReaper();
/** Whether the reaper keeps the event loop alive (it does after start). */
export const reaperRef = (on: boolean): void => addon.reaperRef(on);
/** From now on each exit record carries `cgroup`: the child's cgroup v2 path, read before it was reaped. */
export const reaperCgroups = (on: boolean): void => addon.reaperCgroups(on);
/** Drains statuses synchronously (for the reaper's owner). */
export const reapNow = (): ChildStatus[] => addon.reapNow();

export const openpty = (opts?: { raw?: boolean; cols?: number; rows?: number }): Pty => addon.openpty(opts);
export const setCloexec = (fd: number, on = true): void => addon.setCloexec(fd, on);
export const getCloexec = (fd: number): boolean => addon.getCloexec(fd);
export const setNonblock = (fd: number, on = true): void => addon.setNonblock(fd, on);
/** [read, write], both close-on-exec and blocking. */
export const pipe = (): [number, number] => addon.pipe();
export const closeFd = (fd: number): void => addon.close(fd);
export const isatty = (fd: number): boolean => addon.isatty(fd);
/** A close-on-exec duplicate numbered >= 3. */
export const dupFd = (fd: number): number => addon.dup(fd);
/** memfd_create(name, MFD_CLOEXEC): an anonymous memory file (the re-exec state). */
export const memfdCreate = (name: string): number => addon.memfdCreate(name);

/** kill(2); throws SyscallError (ESRCH for a missing process). */
export function kill(pid: number, signal: string | number): void {
  if (!isInt(pid, 1)) fail('pid must be a positive integer');
  addon.kill(pid, toSignalNumber(signal));
}
/** kill(-pgid, signal). */
export function killGroup(pgid: number, signal: string | number): void {
  if (!isInt(pgid, 2)) fail('pgid must be an integer > 1');
  addon.kill(-pgid, toSignalNumber(signal));
}

export const setChildSubreaper = (on: boolean): void => addon.setChildSubreaper(on);
export const isChildSubreaper = (): boolean => addon.getChildSubreaper();
export const reboot = (cmd: keyof typeof REBOOT): void => addon.reboot(REBOOT[cmd]);
/** mount(2) (flags: MS_* bits); throws SyscallError. */
export const mount = (source: string, target: string, fstype: string, flags: number, data?: string): void =>
  addon.mount(source, target, fstype, flags, data ?? null);
/** ioctl(KDSIGACCEPT) on the console at `path`: the KeyboardSignal key sends `signal` to this process. */
export const kdSigAccept = (path: string, signal: string | number): void => addon.kdSigAccept(path, toSignalNumber(signal));
/** Replaces the daemon image; fds with close-on-exec cleared survive. Returns only by throwing. */
export function execve(path: string, argv: string[], env: string[]): never {
  return addon.execve(path, strings(argv, 'argv'), strings(env, 'env'));
}

function rlimitNumber(name: RLimitName): number {
  return addon.constants.rlimit[name] ?? fail(`unknown rlimit ${String(name)}`);
}
const fromNumber = (v: number): number | 'unlimited' => (v === Infinity ? 'unlimited' : v);

/** The daemon's own limit. */
export function getrlimit(name: RLimitName): RLimit {
  const r = addon.getrlimit(rlimitNumber(name));
  return { soft: fromNumber(r.soft), hard: fromNumber(r.hard) };
}
export function setrlimit(name: RLimitName, lim: RLimit): void {
  addon.setrlimit(rlimitNumber(name), limitNumber(lim.soft, 'soft'), limitNumber(lim.hard, 'hard'));
}
/**
 * Raises the daemon's RLIMIT_NOFILE: soft and hard to `ceiling` (fs.nr_open, capped at 1M) where
 * it may raise the hard limit (root with CAP_SYS_RESOURCE, as PID 1), else soft to the hard limit.
 * Returns the new soft limit.
 */
export function raiseNofileLimit(ceiling?: number): number | 'unlimited' {
  const cur = getrlimit('nofile');
  if (cur.hard !== 'unlimited' && ceiling !== undefined && ceiling > cur.hard) {
    try {
      setrlimit('nofile', { soft: ceiling, hard: ceiling });
      return ceiling;
    } catch {
      // Not allowed to raise the hard limit: the soft one can still go up to it.
    }
  }
  if (cur.soft !== cur.hard) setrlimit('nofile', { soft: cur.hard, hard: cur.hard });
  return cur.hard;
}

export const ptraceSetOptions = (pid: number, options: number): void => addon.ptraceSetOptions(pid, options);
export const ptraceCont = (pid: number, signal = 0): void => addon.ptraceCont(pid, signal);
export const ptraceDetach = (pid: number, signal = 0): void => addon.ptraceDetach(pid, signal);
/** For a fork/vfork/clone event: the new child's pid. */
export const ptraceGetEventMsg = (pid: number): number => addon.ptraceGetEventMsg(pid);

/**
 * Log pump: a thread reads the pty master `master` (non-blocking; the caller keeps and closes it)
 * in batches. Bytes are relayed to `cb` until pumpSetFile gives it a log fd to write straight to
 * (a dup is kept while the path still names that file); `cb` also hears when direct writing stops
 * and, last, when the thread ends. pumpAbandon: the thread reads no more once it returns.
 */
export function pumpStart(master: number, cb: (ev: PumpEvent) => void): PumpHandle {
  if (!isInt(master, 0)) fail('master must be a file descriptor');
  return addon.pumpStart(master, cb);
}
export const pumpSetFile = (h: PumpHandle, fd: number, path: string): void => addon.pumpSetFile(h, fd, path);
export const pumpClearFile = (h: PumpHandle): void => addon.pumpClearFile(h);
export const pumpPause = (h: PumpHandle, on: boolean): void => addon.pumpPause(h, on);
export const pumpAbandon = (h: PumpHandle): void => addon.pumpAbandon(h);
export const pumpStatus = (h: PumpHandle): PumpStatus => addon.pumpStatus(h);
/**
 * For a re-exec: the thread stops reading and ends (after any write in progress); returns the bytes it read but had not
 * handed over (null: none), or false if it did not end within timeoutMs. The master stays open.
 */
export const pumpStop = (h: PumpHandle, timeoutMs: number): Buffer | null | false => addon.pumpStop(h, timeoutMs);

/** SO_PEERCRED of a connected Unix socket (e.g. `socket._handle.fd`). */
export const peerCred = (fd: number): PeerCred => addon.peerCred(fd);

/** An AF_UNIX SOCK_DGRAM socket bound to `path` ('@name' = abstract); each datagram goes to `cb`. */
export function openDgramSocket(path: string | number, cb: DgramCallback): DgramSocket {
  if (typeof path === 'number') {
    if (!isInt(path, 0)) fail('fd must be a file descriptor');
  } else if (typeof path !== 'string' || path.length === 0) fail('path must be a non-empty string');
  return addon.openDgramSocket(path, cb);
}
