// Starting processes: the spawn options, their validation into the addon's form, spawn and execve.
import type { RLimit, RLimitName } from '../model/jobClass.ts';
import { RLIMIT_NAMES } from '../model/jobClass.ts';
import { addon, fail, isInt, limitNumber, strings } from './addon.ts';
import type { SpawnError } from './spawnError.ts';

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
  /** [daemon fd, child fd] pairs: each daemon fd becomes that fd (>= 3) in the child (socket activation, notification fd). */
  fdMap?: [number, number][];
  /** Variables set to the child's own pid, written in the child after fork (LISTEN_PID, WATCHDOG_PID). */
  pidEnv?: string[];
  /** spawnStart only: when the child cannot join cgroups[0], it goes on without it (the outcome says so). */
  optionalCgroup?: boolean;
  /** cgroups[0] is made if missing, in the native layer (spawnStart: by the child, off the JS thread). */
  cgroupCreate?: boolean;
  /**
   * spawnStart only: the child may be born in cgroups[0] (clone3 CLONE_INTO_CGROUP) rather than move
   * in. Only for a directory never cgroup.kill'ed since it was made: the kernel kills what is cloned
   * into one (the native layer notices and moves the child in instead).
   */
  cgroupInto?: boolean;
}

/** The spec as native/src/spawn_spec.c reads it. */
export interface RawSpawnSpec {
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
  fdMap?: number[];
  pidEnv?: string[];
  optionalCgroup?: boolean;
  cgroupCreate?: boolean;
  cgroupInto?: boolean;
}

/**
 * How a spawnStart ended: exec'd (no error), or the SpawnError it hit (the child then exits 127), or
 * a clone that failed (pid 0, error stage 'clone': there is no process).
 */
export interface SpawnOutcome {
  /** What spawnStart returned. */
  ticket: number;
  pid: number;
  error?: SpawnError;
  /** optionalCgroup: the errno of the failed join of cgroups[0] (the child runs without it). */
  cgroupErrno?: number;
}

function stdioFd(v: Stdio, i: number): number {
  if (v === 'inherit') return -1;
  if (v === 'null') return -2;
  if (!isInt(v, 0)) fail(`stdio[${i}] must be 'inherit', 'null' or a file descriptor`);
  return v;
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
  if (spec.optionalCgroup) raw.optionalCgroup = true;
  if (spec.cgroupCreate) raw.cgroupCreate = true;
  if (spec.cgroupInto) raw.cgroupInto = true;
  if (spec.cgroups !== undefined && spec.cgroups.length > 0) raw.cgroups = strings(spec.cgroups, 'cgroups');
  if (spec.keepFds !== undefined && spec.keepFds.length > 0) {
    if (spec.keepFds.some((fd) => !isInt(fd, 3))) fail('keepFds must be file descriptors >= 3');
    raw.keepFds = spec.keepFds;
  }
  if (spec.fdMap !== undefined && spec.fdMap.length > 0) {
    if (spec.fdMap.some((p) => !Array.isArray(p) || !isInt(p[0], 0) || !isInt(p[1], 3))) fail('fdMap must be [fd, target >= 3] pairs');
    if (new Set(spec.fdMap.map((p) => p[1])).size !== spec.fdMap.length) fail('fdMap targets must differ');
    raw.fdMap = spec.fdMap.flat();
  }
  if (spec.pidEnv !== undefined && spec.pidEnv.length > 0) {
    const names = strings(spec.pidEnv, 'pidEnv');
    if (names.some((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n))) fail('pidEnv must be variable names');
    raw.pidEnv = names;
    // The child's own entries replace any the environment already has.
    raw.envp = raw.envp.filter((e) => !names.some((n) => e.startsWith(`${n}=`)));
  }
  return raw;
}

/** Starts a process; returns its pid. Throws SpawnError (synchronously) when the child cannot reach exec. */
export function spawn(spec: SpawnSpec): number {
  return addon.spawn(toRawSpec(spec));
}

/**
 * Starts a process without waiting for it (native/src/spawn_async.c): returns a ticket (a positive
 * number, not a pid) at once; the pid and how the setup ended come later to the onSpawnOutcomes
 * callback, as {ticket, pid, error?}. Throws (synchronously) for a bad spec and what fails before the
 * clone is queued (a user lookup); then the `handoff` fds are still the caller's. The job cgroup is
 * made (cgroupCreate) and joined by the child, so a failure there is the outcome's (stage 'cgroup';
 * with optionalCgroup, for cgroups[0], a note and the child goes on). Once it returns, the handoff fds
 * are closed after the child's exec (or exit, or a failed clone): the caller must not close them (pty
 * slaves, script pipes the child reads), nor any other fd of the spec before the outcome (the clone
 * may not have happened yet).
 */
export function spawnStart(spec: SpawnSpec, handoff: number[] = []): number {
  if (handoff.some((fd) => !isInt(fd, 0))) fail('handoff must be file descriptors');
  return addon.spawnStart(toRawSpec(spec), handoff);
}

/** Where spawnStart's outcomes go (null: dropped); one callback for the process, called on the event loop. */
export function onSpawnOutcomes(cb: ((outcomes: SpawnOutcome[]) => void) | null): void {
  addon.spawnResults(cb);
}

/** [ticket, pid, ...] of spawnStart's tickets whose child exists (it stores its pid first thing) and whose outcome has not been delivered. */
export function spawnPids(): number[] {
  return addon.spawnPids();
}

/** Replaces the daemon image; fds with close-on-exec cleared survive. Returns only by throwing. */
export function execve(path: string, argv: string[], env: string[]): never {
  if (typeof path !== 'string' || path === '') fail('path must be a non-empty string');
  return addon.execve(path, strings(argv, 'argv'), strings(env, 'env'));
}
