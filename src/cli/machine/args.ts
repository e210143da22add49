// The command lines of shutdown(8), reboot(8)/halt/poweroff, telinit(8) and runlevel(8), parsed into plain requests; pure.
import { MachineUsageError, type ShutdownKind } from './shutdownTime.ts';

export type MachineCommand = 'shutdown' | 'reboot' | 'halt' | 'poweroff' | 'telinit' | 'runlevel';
export const MACHINE_COMMANDS: readonly MachineCommand[] = ['shutdown', 'reboot', 'halt', 'poweroff', 'telinit', 'runlevel'];

/** Short options as given, one letter at a time (`-hP` is `-h -P`); `--` ends them. */
function letters(argv: readonly string[], long: Record<string, string>): { flags: string[]; rest: string[]; help: boolean } {
  const flags: string[] = [];
  const rest: string[] = [];
  let help = false;
  let done = false;
  for (const a of argv) {
    if (done || a === '-' || !a.startsWith('-')) { rest.push(a); continue; }
    if (a === '--') { done = true; continue; }
    if (a === '--help') { help = true; continue; }
    if (a.startsWith('--')) {
      const f = long[a];
      if (f === undefined) throw new MachineUsageError(`unrecognised option '${a}'`);
      flags.push(f);
      continue;
    }
    for (const c of a.slice(1)) flags.push(c);
  }
  return { flags, rest, help };
}

export interface ShutdownArgs {
  help: boolean;
  cancel: boolean;
  /** -k: only the warning, nothing is changed. */
  warnOnly: boolean;
  runlevel: '0' | '1' | '6';
  /** INIT_HALT=HALT or POWEROFF (-H, -P). */
  env: string[];
  kind: ShutdownKind;
  /** TIME as given (undefined with -c). */
  time?: string;
  message: string;
}

/** shutdown [-r | -h | -H | -P] [-c] [-k] TIME [MESSAGE]. */
export function parseShutdown(argv: readonly string[]): ShutdownArgs {
  const { flags, rest, help } = letters(argv, { '--reboot': 'r', '--halt': 'H', '--poweroff': 'P', '--cancel': 'c' });
  const o: ShutdownArgs = { help, cancel: false, warnOnly: false, runlevel: '1', env: [], kind: 'maintenance', message: '' };
  if (help) return o;
  let halt: 'HALT' | 'POWEROFF' | undefined;
  let r = false;
  let h = false;
  for (const f of flags) {
    if (f === 'r') r = true;
    else if (f === 'h') h = true;
    else if (f === 'H') halt = 'HALT';
    else if (f === 'P') halt = 'POWEROFF';
    else if (f === 'c') o.cancel = true;
    else if (f === 'k') o.warnOnly = true;
    else throw new MachineUsageError(`invalid option -- '${f}'`);
  }
  if (r && (h || halt !== undefined)) throw new MachineUsageError('-r cannot be given with -h, -H or -P');
  if (r) { o.runlevel = '6'; o.kind = 'reboot'; }
  else if (h || halt !== undefined) {
    o.runlevel = '0';
    o.kind = halt === 'HALT' ? 'halt' : 'power off';
    if (halt !== undefined) o.env = [`INIT_HALT=${halt}`];
  }
  if (o.cancel) {
    o.message = rest.join(' ');
    return o;
  }
  if (rest.length === 0) throw new MachineUsageError('time expected');
  o.time = rest[0];
  o.message = rest.slice(1).join(' ');
  return o;
}

export interface RebootArgs {
  help: boolean;
  /** What the command does: reboot(2)'s RESTART, HALT or POWER_OFF; init's runlevel 6 or 0. */
  action: 'reboot' | 'halt' | 'poweroff';
  force: boolean;
  noSync: boolean;
  wtmpOnly: boolean;
  /** -d: no wtmp record. */
  noWtmp: boolean;
  verbose: boolean;
  /** reboot's REBOOTCOMMAND (not acted on). */
  rebootCommand?: string;
}

/** reboot / halt / poweroff [-f] [-n] [-w] [-d] [-p] [-i] [-h] [--verbose] (-i and -h, sysvinit's, are accepted and ignored). */
export function parseReboot(name: 'reboot' | 'halt' | 'poweroff', argv: readonly string[]): RebootArgs {
  const { flags, rest, help } = letters(argv, {
    '--force': 'f', '--no-sync': 'n', '--wtmp-only': 'w', '--poweroff': 'p', '--verbose': 'v', '--no-wtmp': 'd', '--reboot': 'r', '--halt': 'H',
  });
  const o: RebootArgs = { help, action: name, force: false, noSync: false, wtmpOnly: false, noWtmp: false, verbose: false };
  for (const f of flags) {
    if (f === 'f') o.force = true;
    else if (f === 'n') o.noSync = true;
    else if (f === 'w') o.wtmpOnly = true;
    else if (f === 'd') o.noWtmp = true;
    else if (f === 'v') o.verbose = true;
    else if (f === 'p') { if (name !== 'reboot') o.action = 'poweroff'; }
    else if (f === 'r') o.action = 'reboot';
    else if (f === 'H') o.action = 'halt';
    else if (f === 'i' || f === 'h') continue;
    else throw new MachineUsageError(`invalid option -- '${f}'`);
  }
  if (rest.length > (name === 'reboot' ? 1 : 0)) throw new MachineUsageError(`unexpected argument '${rest[name === 'reboot' ? 1 : 0]}'`);
  if (rest[0] !== undefined) o.rebootCommand = rest[0];
  return o;
}

export type TelinitArgs =
  | { help: true }
  | { help: false; kind: 'runlevel'; runlevel: string; env: string[] }
  | { help: false; kind: 'reload' }
  | { help: false; kind: 'reexec' };

/** telinit [-e KEY=VALUE]... RUNLEVEL (0-6, S/s; Q/q reload; U/u re-exec). */
export function parseTelinit(argv: readonly string[]): TelinitArgs {
  const env: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help') return { help: true };
    if (a === '-e' || a === '--env' || a.startsWith('--env=') || (a.startsWith('-e') && a.length > 2)) {
      const v = a === '-e' || a === '--env' ? argv[++i] : a.startsWith('--env=') ? a.slice(6) : a.slice(2);
      if (v === undefined) throw new MachineUsageError(`option '${a}' requires an argument`);
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) throw new MachineUsageError(`-e: expected KEY=VALUE, found '${v}'`);
      env.push(v);
    } else if (a.startsWith('-') && a !== '-') {
      throw new MachineUsageError(`unrecognised option '${a}'`);
    } else {
      rest.push(a);
    }
  }
  if (rest.length === 0) throw new MachineUsageError('missing runlevel');
  if (rest.length > 1) throw new MachineUsageError(`unexpected argument '${rest[1]}'`);
  const r = rest[0]!;
  if (/^[0-6]$/.test(r) || r === 'S' || r === 's') return { help: false, kind: 'runlevel', runlevel: r.toUpperCase(), env };
  if (r === 'Q' || r === 'q') return { help: false, kind: 'reload' };
  if (r === 'U' || r === 'u') return { help: false, kind: 'reexec' };
  throw new MachineUsageError(`invalid runlevel: ${r} (0-6, S, Q or U)`);
}

/** runlevel [UTMP]. */
export function parseRunlevel(argv: readonly string[]): { help: boolean; utmp?: string } {
  const { flags, rest, help } = letters(argv, {});
  if (flags.length > 0) throw new MachineUsageError(`invalid option -- '${flags[0]}'`);
  if (rest.length > 1) throw new MachineUsageError(`unexpected argument '${rest[1]}'`);
  return rest[0] === undefined ? { help } : { help, utmp: rest[0] };
}
