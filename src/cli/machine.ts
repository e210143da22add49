// shutdown, reboot, halt, poweroff, telinit and runlevel (util/man of Upstart 1.13): each asks init over the control socket (docs/machine.md).
import { AddressError, chooseSocket } from '../control/address.ts';
import { connect, ControlError, type ControlClient } from '../control/client.ts';
import { appendWtmp, readUtmp, runlevelOf, shutdownRecord } from '../daemon/utmp.ts';
import * as native from '../sys/index.ts';
import { parseReboot, parseRunlevel, parseShutdown, parseTelinit, type MachineCommand } from './machine/args.ts';
import { goingDown, MachineUsageError, parseShutdownTime } from './machine/shutdownTime.ts';
import { UTMP_PATH, wall, wallText } from './machine/wall.ts';

const WTMP_PATH = '/var/log/wtmp';

const USAGE: Record<MachineCommand, string> = {
  shutdown: `Usage: shutdown [OPTION]... TIME [MESSAGE]
Bring the system down.

Options:
  -r                          reboot after shutdown
  -h                          halt or power off after shutdown
  -H                          halt after shutdown (implies -h)
  -P                          power off after shutdown (implies -h)
  -c                          cancel a running shutdown
  -k                          only send warnings, don't shutdown
      --help                  display this help and exit

TIME may have different formats, the most common is simply the word 'now' which
will bring the system down immediately.  Other valid formats are +m, where m is
the number of minutes to wait until shutting down and hh:mm which specifies the
time on the 24hr clock.
`,
  reboot: `Usage: reboot [OPTION]...
Reboot the system.

Options:
  -n, --no-sync               don't sync before reboot or halt
  -f, --force                 force reboot or halt, don't call shutdown(8)
  -p, --poweroff              switch off the power when called as halt
  -w, --wtmp-only             only write a wtmp record, don't reboot
  -d                          don't write a wtmp record
      --verbose               say what is done
      --help                  display this help and exit
`,
  halt: '',
  poweroff: '',
  telinit: `Usage: telinit [OPTION]... RUNLEVEL
Change system runlevel.

Options:
  -e KEY=VALUE                set this variable in the runlevel event (repeatable)
      --help                  display this help and exit

RUNLEVEL should be one of 0123456sS, Q or q to reload the configuration, or U or u
to re-execute init.
`,
  runlevel: `Usage: runlevel [UTMP]
Output previous and current runlevel.

Options:
      --help                  display this help and exit

The previous and current runlevel come from init, or from UTMP (/var/run/utmp)
when init cannot be reached; 'unknown' when there is none.
`,
};
USAGE.halt = USAGE.reboot.replace('Usage: reboot', 'Usage: halt').replace('Reboot the system.', 'Halt the system.');
USAGE.poweroff = USAGE.reboot.replace('Usage: reboot', 'Usage: poweroff').replace('Reboot the system.', 'Power off the system.');

class Failure extends Error {}

function say(cmd: string, text: string): void {
  process.stderr.write(`${cmd}: ${text}\n`);
}

async function client(): Promise<ControlClient> {
  let path: string;
  try {
    path = chooseSocket({ env: process.env });
  } catch (err) {
    if (err instanceof AddressError) throw new Failure(err.message);
    throw err;
  }
  return connect(path);
}

async function withInit<T>(fn: (c: ControlClient) => Promise<T>): Promise<T> {
  const c = await client();
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const hhmm = (ms: number): string => {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};

function needRoot(): void {
  if ((process.geteuid?.() ?? 0) !== 0) throw new Failure('Need to be root');
}

async function shutdown(argv: string[]): Promise<number> {
  const a = parseShutdown(argv);
  if (a.help) { process.stdout.write(USAGE.shutdown); return 0; }
  needRoot();
  const from = process.env.USER ?? process.env.LOGNAME ?? 'root';
  if (a.cancel) {
    const r = await withInit((c) => c.cancelShutdown());
    if (r.cancelled === undefined) throw new Failure('no shutdown is pending');
    wall(wallText(`The system shutdown has been cancelled${a.message ? `\n${a.message}` : ''}`, from, new Date()));
    return 0;
  }
  const now = new Date();
  const at = parseShutdownTime(a.time!, now);
  wall(wallText(`${goingDown(a.kind, at, now.getTime())}${a.message ? `\n${a.message}` : ''}`, from, now));
  if (a.warnOnly) return 0;
  const r = await withInit((c) => c.telinit(a.runlevel, a.env, at > now.getTime() ? { at, ...(a.message ? { message: a.message } : {}) } : {}));
  if (r.replaced !== undefined) say('shutdown', `the pending shutdown (runlevel ${r.replaced.runlevel} at ${hhmm(r.replaced.at)}) is replaced by this one`);
  return 0;
}

/** reboot(2) at once: the wtmp record (unless -d), sync (unless -n), then the call. */
function rebootNow(name: string, a: ReturnType<typeof parseReboot>): number {
  if (!a.noWtmp) {
    try { appendWtmp(WTMP_PATH, shutdownRecord(Date.now())); } catch { /* as Upstart's: a missing wtmp is no reason to stay up */ }
  }
  if (!a.noSync) native.sync();
  const cmd = a.action === 'reboot' ? 'RESTART' : a.action === 'halt' ? 'HALT' : 'POWER_OFF';
  if (a.verbose) say(name, `calling reboot(2) with ${cmd}`);
  try {
    native.reboot(cmd);
  } catch (err) {
    throw new Failure((err as { code?: string }).code === 'EPERM' ? 'Need to be root' : (err as Error).message);
  }
  return 0;
}

async function reboot(name: 'reboot' | 'halt' | 'poweroff', argv: string[]): Promise<number> {
  const a = parseReboot(name, argv);
  if (a.help) { process.stdout.write(USAGE[name]); return 0; }
  needRoot();
  if (a.wtmpOnly) {
    appendWtmp(WTMP_PATH, shutdownRecord(Date.now()));
    return 0;
  }
  if (a.rebootCommand !== undefined) say(name, `the reboot command '${a.rebootCommand}' is not supported; restarting without it`);
  if (a.force) return rebootNow(name, a);
  // In runlevel 0 or 6 (the halt script of rc, after init's shutdown) the call is made at once, as reboot(8) says.
  const state = await withInit((c) => c.runlevel());
  if (state.runlevel === '0' || state.runlevel === '6') return rebootNow(name, a);
  if (a.verbose) say(name, `asking init for runlevel ${a.action === 'reboot' ? 6 : 0}`);
  if (a.action === 'reboot') await withInit((c) => c.telinit('6', []));
  else await withInit((c) => c.telinit('0', [`INIT_HALT=${a.action === 'halt' ? 'HALT' : 'POWEROFF'}`]));
  return 0;
}

async function telinit(argv: string[]): Promise<number> {
  const a = parseTelinit(argv);
  if (a.help) { process.stdout.write(USAGE.telinit); return 0; }
  needRoot();
  if (a.kind === 'reexec') {
    // As `initctl reexec`: init hands its state over to a fresh image of itself.
    const r = await withInit((c) => c.command(['initctl', 'reexec'], {}, (stream, data) => process[stream].write(data)));
    return r.exitStatus === 0 ? 0 : 1;
  }
  if (a.kind === 'reload') await withInit((c) => c.reloadConfiguration());
  else await withInit((c) => c.telinit(a.runlevel, a.env));
  return 0;
}

async function runlevel(argv: string[]): Promise<number> {
  const a = parseRunlevel(argv);
  if (a.help) { process.stdout.write(USAGE.runlevel); return 0; }
  let state: { runlevel: string; previous: string } | undefined;
  try {
    state = await withInit((c) => c.runlevel());
  } catch (err) {
    if (!(err instanceof ControlError) || err.code !== 'closed') throw err;
    const utmp = a.utmp ?? UTMP_PATH;
    state = runlevelOf(readUtmp(utmp));
    if (state === undefined) throw new Failure(`${err.message.replace(/^cannot connect to/, 'cannot reach init at')}, and ${utmp} has no runlevel record`);
  }
  if (state.runlevel === 'N') {
    process.stdout.write('unknown\n');
    return 1;
  }
  process.stdout.write(`${state.previous} ${state.runlevel}\n`);
  return 0;
}

/** Runs COMMAND with its arguments; returns the exit status (0 done, 1 refused or failed). */
export async function main(command: MachineCommand, argv: string[]): Promise<number> {
  try {
    switch (command) {
      case 'shutdown': return await shutdown(argv);
      case 'reboot': case 'halt': case 'poweroff': return await reboot(command, argv);
      case 'telinit': return await telinit(argv);
      case 'runlevel': return await runlevel(argv);
    }
  } catch (err) {
    if (err instanceof MachineUsageError) {
      say(command, `${err.message}\nTry \`${command} --help' for more information.`);
      return 1;
    }
    if (err instanceof Failure || err instanceof ControlError) {
      say(command, err.message);
      return 1;
    }
    throw err;
  }
}
