// Daemon entry point: parses init(8) options, picks the mode, runs the daemon; PID 1 never exits on an error.
import { resolve } from 'node:path';
import { detectContainerMode, realContainerProbes } from './daemon/containerMode.ts';
import { Daemon } from './daemon/daemon.ts';
import { ExitWithError, exitWithJobs } from './daemon/exitWith.ts';
import { makeDevLinks, mountEarly, realLinkOps, realMountOps, type MountReport } from './daemon/earlyMounts.ts';
import { DAEMON_HELP, parseDaemonOptions, UsageError } from './daemon/options.ts';
import { resolvePaths } from './daemon/paths.ts';
import { startQuietGc } from './daemon/quietGc.ts';
import { loadState, type RestoreLog } from './daemon/restore.ts';
import { VERSION } from './daemon/version.ts';
import { msSince } from './state/envelope.ts';
import { socketRefusal } from './daemon/socketPreflight.ts';
import * as native from './sys/index.ts';


function usage(message: string): void {
  process.stderr.write(`upstart: ${message}\nUsage: upstart [OPTION]...\nTry \`upstart --help' for more information.\n`);
  process.exitCode = 2;
}

export async function main(argv: string[]): Promise<void> {
  const pid1 = process.pid === 1;
  // ps, pgrep and /proc/1/comm show `init`, as Upstart's PID 1 (libuv sets comm with PR_SET_NAME too).
  if (pid1) process.title = 'init';
  let options;
  try {
    options = parseDaemonOptions(argv, pid1);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    usage(err.message);
    return;
  }
  if (options.help) {
    process.stdout.write(DAEMON_HELP);
    return;
  }
  if (options.version) {
    process.stdout.write(`init (${VERSION})\n`);
    return;
  }
  const uid = process.getuid?.() ?? 0;
  const given = resolvePaths(options, { env: process.env, pid: process.pid, uid, home: process.env.HOME ?? (await import('node:os')).homedir() });
  // Jobs and clients in other directories get these paths (UPSTART_SESSION): make them absolute.
  const paths = { confdirs: given.confdirs.map((d) => resolve(d)), socket: resolve(given.socket), logdir: resolve(given.logdir) };
  // Whether it may have its socket at all (src/daemon/socketPreflight.ts), before it touches anything; PID 1 runs whatever happens.
  const refused = pid1 ? undefined : await socketRefusal({ socket: paths.socket, options, env: process.env, uid });
  if (refused !== undefined) {
    process.stderr.write(`upstart: ${refused}\n`);
    process.exitCode = 1;
    return;
  }
  const mode = detectContainerMode(options.container, pid1, realContainerProbes(process.env));
  const container = mode.container;
  // A machine's PID 1 must never exit: there, the container's "exit with this job" has no meaning.
  let exitWith = exitWithJobs(options.exitWith, process.env);
  if (pid1 && !container && exitWith.length > 0) {
    if (options.exitWith.length > 0) {
      usage(`--exit-with: PID 1 of a machine never exits (${mode.why}); add --container if this is a container`);
      return;
    }
    exitWith = [];
  }
  // A machine's PID 1 mounts what it and its jobs cannot do without, before its log opens /dev/kmsg.
  const mounted: MountReport[] = pid1 && !container && !options.restart ? [...mountEarly(realMountOps(native.mount)), ...makeDevLinks(realLinkOps)] : [];
  // After a re-exec: the state the old image left in --state-fd (what cannot be used is said once the log is up).
  const said: Array<Parameters<RestoreLog>> = [];
  const tLoad = performance.now();
  const restored = options.stateFd === undefined ? undefined : loadState(options.stateFd, paths.logdir, (level, msg) => said.push([level, msg]));
  const tLoaded = performance.now();
  const daemon = new Daemon({ options, paths, pid1, container, exitWith, env: { ...process.env }, uid, ...(restored ? { restored } : {}) });
  // The first line says how the daemon chose to be a container's init or not; for a daemon that is neither
  // PID 1 nor told --container (a session init) there was no choice to make, so it is said only at info.
  daemon.log.log(container || pid1 ? 'message' : 'info', `${container ? 'container' : pid1 ? 'machine' : "not a container's init"}: ${mode.why}`);
  for (const r of mounted) daemon.log.log(r.level, r.msg);
  for (const [level, msg] of said) daemon.log.log(level, msg);
  if (restored !== undefined) {
    // Where a re-exec's downtime goes (docs/performance.md): the exec and node's start, the state, the engine.
    const sinceTaken = (t: number): string => (msSince(restored) - (performance.now() - t)).toFixed(0);
    daemon.log.info(`re-exec: node ran main ${sinceTaken(tLoad)} ms after the state was taken; state read and checked ${sinceTaken(tLoaded)} ms, engine and tables built ${sinceTaken(performance.now())} ms after`);
  }

  // PID 1 never dies: anything that escapes is logged and the daemon carries on.
  process.on('uncaughtException', (err) => {
    daemon.log.error(`internal error (carrying on): ${err.stack ?? err.message}`);
    if (!pid1 && process.env.UPSTART_TS_FATAL_ERRORS) process.exit(70);
  });
  process.on('unhandledRejection', (err) => {
    daemon.log.error(`internal error (carrying on): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  });

  // After each burst of work its garbage goes at once, and nothing runs while idle (docs/performance.md, #22);
  // with it, the pages Node's binary read once at start-up leave the daemon's RSS (UPSTART_TS_DROP_FILE_PAGES=0 keeps them).
  if (process.env.UPSTART_TS_QUIET_GC !== '0' && process.env.UPSTART_TS_V8_DEFAULTS !== '0') {
    startQuietGc({ dropFilePages: process.env.UPSTART_TS_DROP_FILE_PAGES !== '0' });
  }

  try {
    await daemon.start();
  } catch (err) {
    daemon.log.error(`cannot start: ${(err as Error).message}`);
    // Refused (a bad --exit-with): the container must not run without the job it is for.
    if (err instanceof ExitWithError) process.exit(2);
    if (!pid1) {
      process.exitCode = 1;
      process.exit(1);
    }
  }
  const code = await daemon.exited;
  daemon.log.reportSuppressed(); // a rate-limited log says what it dropped, even at the end
  process.exit(code);
}
