// The daemon's command line (init(8) options plus ours) parsed into DaemonOptions; pure, no I/O.
import type { ConsoleMode } from '../model/jobClass.ts';

export type Mode = 'system' | 'user';

export interface DaemonOptions {
  mode: Mode;
  /** --confdir (replaces the default list), in the order given. */
  confdirs: string[];
  prependConfdirs: string[];
  appendConfdirs: string[];
  logdir?: string;
  socket?: string;
  /** --socket-mode: permission bits of the control socket; undefined = 0600 in session mode, 0666 in system mode. */
  socketMode?: number;
  noLog: boolean;
  /** --default-console; undefined = the mode's default (log, or output as PID 1 in a container). */
  defaultConsole?: ConsoleMode;
  startupEvent: string | null;
  noInheritEnv: boolean;
  verbosity: 'error' | 'info' | 'debug';
  legacyConditions: boolean;
  /** --no-cgroups: job processes are not put in cgroups of their own (DESIGN §3.5). */
  noCgroups: boolean;
  /** --no-inotify (init(8)): the conf dirs are not watched; changes apply on reload-configuration or SIGHUP only. */
  noInotify: boolean;
  /** --restart: this image was exec'd by a re-exec (init(8)); the system is up: no startup event. */
  restart: boolean;
  /** --state-fd=FD: the re-exec state, in an fd inherited across execve. */
  stateFd?: number;
  /** --container (true) / --no-container (false); undefined = detect (src/daemon/containerMode.ts). */
  container?: boolean;
  /** --exit-with JOB, in the order given (repeatable); empty = none given on the command line. */
  exitWith: string[];
  /** --no-output-prefix: container mode copies job lines to stdout without `job | `. */
  noOutputPrefix: boolean;
  /** --shutdown-timeout: seconds a shutdown waits for jobs to stop before it goes on without them. */
  shutdownTimeout: number;
  /** --utmp / --wtmp: where runlevel records go (default: /var/run/utmp, /var/log/wtmp, only as a machine's PID 1). */
  utmp?: string;
  wtmp?: string;
  /** --no-dbus: no D-Bus on the control socket, no private D-Bus address, no bus (init(8); docs/dbus.md). */
  noDbus: boolean;
  /**
   * --dbus-address=ADDR: Upstart's private D-Bus address, served besides the control socket; default
   * unix:abstract=/com/ubuntu/upstart in system mode, none in session mode; `none` for none.
   */
  dbusAddress?: string;
  /** --session: join the D-Bus session bus ($DBUS_SESSION_BUS_ADDRESS) and own com.ubuntu.Upstart there (init(8): for testing). */
  dbusSessionBus: boolean;
  /** --no-sessions: no chroot sessions (init(8)). upstart-ts never runs jobs in chroot sessions: always true in effect. */
  noSessions: boolean;
  version: boolean;
  help: boolean;
}

export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const CONSOLE_MODES: readonly ConsoleMode[] = ['none', 'log', 'output', 'owner'];

/** Options that take a value, by name; the value may follow as `--opt=V` or the next word. */
const VALUED = new Set([
  '--confdir', '--prepend-confdir', '--append-confdir', '--logdir', '--socket', '--socket-mode',
  '--default-console', '--startup-event', '--exit-with', '--shutdown-timeout', '--state-fd', '--utmp', '--wtmp',
  '--dbus-address',
]);

/**
 * Parses argv. `isPid1` selects system mode unless --user is given (as init(8): PID 1 is
 * the system init). --no-dbus and --session are init(8)'s (docs/dbus.md); chroot sessions do not
 * exist here, so --no-sessions changes nothing (docs/decisions.md).
 */
export function parseDaemonOptions(argv: readonly string[], isPid1: boolean): DaemonOptions {
  const o: DaemonOptions = {
    mode: isPid1 ? 'system' : 'user',
    confdirs: [],
    prependConfdirs: [],
    appendConfdirs: [],
    noLog: false,
    startupEvent: 'startup',
    noInheritEnv: false,
    verbosity: 'info',
    legacyConditions: false,
    noCgroups: false,
    noInotify: false,
    exitWith: [],
    noOutputPrefix: false,
    shutdownTimeout: 90,
    version: false,
    help: false,
    restart: false,
    noDbus: false,
    dbusSessionBus: false,
    noSessions: false,
  };
  let explicitMode: Mode | undefined;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (VALUED.has(arg) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg}: missing argument`);
    } else if (!VALUED.has(arg) && value !== undefined) {
      throw new UsageError(`${arg}: takes no argument`);
    }
    switch (arg) {
      case '--confdir': o.confdirs.push(value!); break;
      case '--prepend-confdir': o.prependConfdirs.push(value!); break;
      case '--append-confdir': o.appendConfdirs.push(value!); break;
      case '--logdir': o.logdir = value!; break;
      case '--socket': o.socket = value!; break;
      case '--socket-mode':
        if (!/^0?[0-7]{3}$/.test(value!)) throw new UsageError(`--socket-mode: expected octal permission bits such as 0600 or 0666, found '${value}'`);
        o.socketMode = parseInt(value!, 8);
        break;
      case '--default-console':
        if (!(CONSOLE_MODES as readonly string[]).includes(value!)) {
          throw new UsageError(`--default-console: expected one of ${CONSOLE_MODES.join(', ')}, found '${value}'`);
        }
        o.defaultConsole = value as ConsoleMode;
        break;
      case '--startup-event': o.startupEvent = value!; break;
      case '--utmp': o.utmp = value!; break;
      case '--wtmp': o.wtmp = value!; break;
      case '--shutdown-timeout':
        if (!/^\d+$/.test(value!) || Number(value) < 1 || Number(value) > 86400) {
          throw new UsageError(`--shutdown-timeout: expected whole seconds from 1 to 86400, found '${value}'`);
        }
        o.shutdownTimeout = Number(value);
        break;
      case '--no-startup-event': o.startupEvent = null; break;
      case '--no-log': o.noLog = true; break;
      case '--no-inherit-env': o.noInheritEnv = true; break;
      case '--user': explicitMode = 'user'; break;
      case '--system': explicitMode = 'system'; break;
      case '-q': case '--quiet': o.verbosity = 'error'; break;
      case '-v': case '--verbose': o.verbosity = 'debug'; break;
      case '--debug': o.verbosity = 'debug'; break;
      case '--legacy-conditions': o.legacyConditions = true; break;
      case '--no-cgroups': o.noCgroups = true; break;
      case '--no-inotify': o.noInotify = true; break;
      case '--container': o.container = true; break;
      case '--no-container': o.container = false; break;
      case '--exit-with':
        if (value === '' || value!.startsWith('-')) throw new UsageError(`--exit-with: expected a job name, found '${value}'`);
        o.exitWith.push(value!);
        break;
      case '--no-output-prefix': o.noOutputPrefix = true; break;
      case '--version': o.version = true; break;
      case '-h': case '--help': o.help = true; break;
      case '--restart': o.restart = true; break;
      case '--state-fd': {
        const n = Number(value);
        if (!/^\d+$/.test(value ?? '') || n < 3) throw new UsageError(`--state-fd: expected a file descriptor number (3 or more), found '${value}'`);
        o.stateFd = n;
        break;
      }
      case '--no-dbus': o.noDbus = true; break;
      case '--session': o.dbusSessionBus = true; break;
      case '--no-sessions': o.noSessions = true; break;
      case '--dbus-address':
        if (value !== 'none' && !/^unix:(path|abstract)=./.test(value!)) {
          throw new UsageError(`--dbus-address: expected unix:path=PATH, unix:abstract=NAME or none, found '${value}'`);
        }
        o.dbusAddress = value!;
        break;
      default:
        // The kernel passes its own words (e.g. `single`, `splash`) to PID 1: ignore them there.
        if (isPid1 && !arg.startsWith('-')) break;
        throw new UsageError(`unrecognised option '${arg}'`);
    }
  }
  // A container's entrypoint is its system init (DESIGN §1): /etc/init, the system socket.
  if (o.container === true && explicitMode === undefined) o.mode = 'system';
  if (explicitMode) o.mode = explicitMode;
  return o;
}

export const DAEMON_HELP = `Usage: upstart [OPTION]...
Process management daemon.

Options:
      --system                run as the system init (default as PID 1)
      --user                  run as a session init for this user
      --confdir=DIR           load job files from DIR instead of the default (repeatable)
      --prepend-confdir=DIR   search DIR before the default directories
      --append-confdir=DIR    search DIR after the default directories
      --logdir=DIR            write job logs to DIR
      --socket=PATH           listen for initctl on PATH
      --socket-mode=MODE      permission bits of the socket (default 0600 for --user, 0666 for --system)
      --no-log                treat 'console log' as 'console none'
      --default-console=MODE  console for jobs without a console stanza (none, log, output, owner)
      --startup-event=EVENT   emit EVENT instead of 'startup'
      --no-startup-event      emit no startup event
      --no-inherit-env        jobs do not inherit the daemon's environment (session mode)
      --legacy-conditions     Upstart 1.13's condition semantics (design, §3.1)
      --no-cgroups            do not give each job instance a cgroup of its own
      --no-inotify            do not watch the job files: changes apply on
                              reload-configuration or SIGHUP only
      --container             run as a container's init (SIGTERM, SIGINT, SIGQUIT: stop every
                              job in order, then exit; job output on stdout, prefixed)
      --no-container          never run as a container's init, whatever is detected
      --exit-with=JOB         when JOB stops for good, stop everything and exit with its status
                              (exit code, or 128+N for signal N); repeatable; also
                              UPSTART_EXIT_WITH=JOB[,JOB...]
      --no-output-prefix      container mode: copy job output to stdout without 'JOB | '
      --shutdown-timeout=SECS stop waiting for jobs this long into a shutdown (default 90)
      --no-dbus               no D-Bus: not on the control socket, no private address, no bus
      --dbus-address=ADDR     also serve Upstart's D-Bus API at ADDR (unix:path=P, unix:abstract=N,
                              none; default unix:abstract=/com/ubuntu/upstart with --system)
      --session               own com.ubuntu.Upstart on the D-Bus session bus too (for testing)
      --no-sessions           no chroot sessions (upstart-ts has none: accepted)
      --utmp=FILE, --wtmp=FILE  write runlevel records there (default, as a machine's
                              PID 1: /var/run/utmp and /var/log/wtmp)
  -q, --quiet                 errors only
  -v, --verbose, --debug      log job state changes and events
      --version               print the version and exit
  -h, --help                  print this help and exit

Container mode: as PID 1 without --container or --no-container, the daemon runs
as a container's init when it finds one of: the 'container' environment variable
(podman, systemd-nspawn, LXC), /.dockerenv, /run/.containerenv,
KUBERNETES_SERVICE_HOST (a Kubernetes pod), a container runtime's name in
/proc/self/cgroup (docker, containerd, kubepods, crio, libpod, lxc), or a PID
namespace that is not the machine's first one (unshare, bubblewrap, any
runtime). Otherwise it is the machine's init (SIGTERM re-executes). Not PID 1,
only --container selects it. The first log line says which way was chosen and why.

Exit status: 2 for a usage error; in container mode (or not PID 1) 0 after a
requested shutdown, 1 after a forced one (a second SIGINT), or the status of an
--exit-with job.
`;
