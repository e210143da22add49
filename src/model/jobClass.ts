// JobClass: everything a job file says, as plain data (the parser's output, the engine's input).
import type { Condition } from './condition.ts';

/** The five processes a job may define, in the order Upstart runs them. */
export const PROCESS_NAMES = ['main', 'pre-start', 'post-start', 'pre-stop', 'post-stop'] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number];

/**
 * One process stanza. `exec` holds the command line as Upstart reads it (quotes kept, each newline
 * with its blanks one space); `script` holds the body with the first line's indentation removed
 * (Upstart's rule, src/config/scanner.ts) and each line ending in a newline.
 */
export interface ProcessSpec {
  kind: 'exec' | 'script';
  command: string;
  /** Line of the stanza in its file, for messages. */
  line: number;
}

export type ConsoleMode = 'none' | 'log' | 'output' | 'owner';

/** `limit RESOURCE SOFT HARD`; `unlimited` is represented by the string 'unlimited'. */
export interface RLimit {
  soft: number | 'unlimited';
  hard: number | 'unlimited';
}

/** The rlimit resource names of init(5) (`limit core`, `limit nofile`, ...). */
export const RLIMIT_NAMES = [
  'as', 'core', 'cpu', 'data', 'fsize', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc',
  'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
] as const;
export type RLimitName = (typeof RLIMIT_NAMES)[number];

/** `normal exit` entries: exit statuses and signal names (canonical, no SIG prefix). */
export interface NormalExit {
  statuses: number[];
  signals: string[];
}

/**
 * `expect`:
 * - none (default), stop, daemon, fork: Upstart 1.13.
 * - exit: `expect exit N` (ours, DESIGN §3.5): the job is ready when N processes have exited.
 * - event: `expect CONDITION` (ours, DESIGN §3.6): the job stays in spawned until the condition holds.
 */
export type Expect =
  | { kind: 'none' }
  | { kind: 'stop' }
  | { kind: 'daemon' }
  | { kind: 'fork' }
  | { kind: 'exit'; count: number }
  | { kind: 'event'; condition: Condition };

/** `cgroup CONTROLLER [NAME] [KEY VALUE]`. */
export interface CgroupSpec {
  controller: string;
  name?: string;
  key?: string;
  value?: string;
}

/** `env KEY=VALUE` / `env KEY` (the latter inherits the value from init's own environment). */
export interface EnvEntry {
  key: string;
  /** undefined for `env KEY` (no '='). */
  value?: string;
}

export interface JobClassSpec {
  /** `net/apache` for net/apache.conf. */
  name: string;
  /** The .conf file it came from (absent for classes built in code). */
  path?: string;
  description?: string;
  author?: string;
  version?: string;
  usage?: string;

  start?: Condition;
  stop?: Condition;
  /** `manual` was given (it also discards an earlier `start on`). */
  manual: boolean;
  /** `emits` names, file order, accumulated; may contain globs. */
  emits: string[];

  env: EnvEntry[];
  export: string[];
  /** Chromium OS `import VAR`. */
  imports: string[];
  /** Chromium OS `tmpfiles PATH...`. */
  tmpfiles: string[];

  /** `instance NAME` (may reference $VARS). */
  instance?: string;
  task: boolean;
  respawn: boolean;
  /** `respawn limit COUNT INTERVAL` (seconds); 'unlimited' for `respawn limit unlimited`. undefined = default 10 in 5. */
  respawnLimit?: { count: number; interval: number } | 'unlimited';
  normalExit: NormalExit;

  process: Partial<Record<ProcessName, ProcessSpec>>;
  /**
   * `action NAME exec|script` (ours, docs/job-language.md): commands `initctl action JOB NAME` runs
   * in a running instance's environment, by name in file order; absent when the file defines none.
   */
  actions?: Record<string, ProcessSpec>;

  /** undefined = the daemon's default (`console log` unless --default-console says otherwise). */
  console?: ConsoleMode;
  umask?: number;
  nice?: number;
  /** -1000..1000 or 'never' (= -1000). */
  oomScore?: number | 'never';
  chroot?: string;
  chdir?: string;
  limits: Partial<Record<RLimitName, RLimit>>;
  setuid?: string;
  setgid?: string;
  apparmor: { load?: string; switch?: string };
  cgroups: CgroupSpec[];
  expect: Expect;
  /** `ready timeout N` (ours): seconds a readiness wait may last, 0 for no limit; absent: DEFAULT_READY_TIMEOUT. */
  readyTimeout?: number;
  /** `watchdog SECONDS` (ours, systemd's WatchdogSec): the main process must send WATCHDOG=1 at least this often, or it is killed (ABRT). */
  watchdog?: number;
  /** `notification fd N` (ours, s6's notification-fd): the main process gets a pipe on fd N; a newline written there is its readiness. */
  notificationFd?: number;

  /** Canonical signal names; defaults TERM, HUP. */
  killSignal: string;
  /** Seconds; default 5. */
  killTimeout: number;
  /** `kill mode` (ours, after systemd's KillMode): which processes a stop signals; absent: 'cgroup'. */
  killMode?: KillMode;
  reloadSignal: string;
  debug: boolean;
}

/** A JobClassSpec with every default filled in (what `new job class` starts from). */
export function defaultJobClass(name: string): JobClassSpec {
  return {
    name,
    manual: false,
    emits: [],
    env: [],
    export: [],
    imports: [],
    tmpfiles: [],
    task: false,
    respawn: false,
    normalExit: { statuses: [], signals: [] },
    process: {},
    limits: {},
    apparmor: {},
    cgroups: [],
    expect: { kind: 'none' },
    killSignal: 'TERM',
    killTimeout: 5,
    reloadSignal: 'HUP',
    debug: false,
  };
}

/**
 * `kill mode` (ours): `cgroup` signals every process of the job (its cgroup; its process group
 * without job cgroups) and kills what is left before a respawn or once a stop is done; `process`
 * signals only the main process and leaves the others (sshd's sessions across `restart ssh`);
 * `mixed` sends the kill signal to the main process and SIGKILL to the rest once main is gone or
 * the kill timeout passes.
 */
export const KILL_MODES = ['cgroup', 'process', 'mixed'] as const;
export type KillMode = (typeof KILL_MODES)[number];

/** Seconds a job may wait in spawned for its readiness when it sets no `ready timeout` (as systemd's TimeoutStartSec). */
export const DEFAULT_READY_TIMEOUT = 90;

export const DEFAULT_RESPAWN_LIMIT = { count: 10, interval: 5 } as const;
