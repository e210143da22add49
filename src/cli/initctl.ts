// initctl in Node: the fallback for the C client (native/initctl), with the same behaviour: a thin pipe to the daemon.
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chooseSocket } from '../control/address.ts';
import { installAliases } from '../control/aliases.ts';
import { connect, ControlError } from '../control/client.ts';
import { commandIndex, GLOBAL_OPTIONS, parseArgs } from '../control/commands/argv.ts';
import { formatSessions } from '../control/commands/daemon.ts';
import { callerSessions } from '../daemon/sessions.ts';
import { isFollow, ReplaySkipper } from './followResume.ts';
import { connectHint, localAnswer, red, wantColour } from './clientHelp.ts';

/** The client environment the daemon needs: a job's processes acting on their own job. */
export const FORWARDED_ENV = ['UPSTART_JOB', 'UPSTART_INSTANCE'] as const;

/** --socket / --system, found the way the daemon will parse them (global options, before `--`). */
function addressOptions(args: readonly string[]): { socket?: string; system: boolean } {
  let socket: string | undefined;
  let system = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') break;
    if (a === '--socket') socket = args[++i];
    else if (a.startsWith('--socket=')) socket = a.slice('--socket='.length);
    else if (a === '--system') system = true;
  }
  return socket === undefined ? { system } : { socket, system };
}

/** The errno name behind a failed connect (the client wraps the socket's error in its message). */
function connectCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('E')) return code;
  return /\b(EACCES|EPERM|ENOENT|ECONNREFUSED)\b/.exec((err as Error).message ?? '')?.[1];
}

/**
 * argv: the arguments after the program name; an optional leading `--as=NAME` gives the name the
 * client was invoked as (bin/initctl passes it for alias links), else `initctl`.
 */
export async function main(argv: string[]): Promise<void> {
  let program = 'initctl';
  let args = argv;
  if (args[0]?.startsWith('--as=')) {
    program = args[0].slice('--as='.length) || 'initctl';
    args = args.slice(1);
  }
  const colour = wantColour(process.env, process.stderr.isTTY === true);
  const paint = (text: string): string => (colour ? red(text) : text);
  const local = localAnswer(program, args);
  if (local !== undefined) {
    process.stdout.write(local.stdout);
    process.stderr.write(local.stderr);
    process.exitCode = local.status;
    return;
  }
  const ci = program === 'initctl' ? commandIndex(args) : -1;
  if (ci !== -1 && args[ci] === 'install-aliases') {
    const dir = args[ci + 1];
    if (dir === undefined || args.length > ci + 2) {
      process.stderr.write(`${program}: usage: ${program} install-aliases DIR\nTry \`${program} --help' for more information.\n`);
      process.exitCode = 1;
      return;
    }
    const target = fileURLToPath(new URL('../../bin/initctl', import.meta.url));
    const bin = (name: string): string => fileURLToPath(new URL(`../../bin/${name}`, import.meta.url));
    const { errors, notes } = installAliases(dir, target, { rc: bin('upstart-rc'), service: bin('upstart-service'), path: process.env.PATH ?? '' });
    for (const e of [...notes, ...errors]) process.stderr.write(`${program}: ${e}\n`);
    process.exitCode = errors.length > 0 ? 1 : 0;
    return;
  }
  const sessions = program === 'initctl' ? localListSessions(args) : undefined;
  if (sessions !== undefined) {
    process.stdout.write(sessions);
    return;
  }
  let path: string;
  try {
    path = chooseSocket({ ...addressOptions(args), env: process.env });
  } catch (err) {
    process.stderr.write(`${program}: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const env: Record<string, string> = {};
  for (const k of FORWARDED_ENV) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  if (isFollow(args, ci)) {
    process.exitCode = await follow(program, path, args, env, paint);
    return;
  }
  let client;
  try {
    client = await connect(path);
  } catch (err) {
    process.stderr.write(`${paint(`${program}: Unable to connect to init: ${(err as Error).message}\n`)}${connectHint(connectCode(err))}\n`);
    process.exitCode = 1;
    return;
  }
  try {
    const r = await client.command([program, ...args], env, (stream, data) => {
      if (stream === 'stdout') process.stdout.write(data);
      else process.stderr.write(paint(data));
    });
    process.exitCode = r.exitStatus;
  } catch (err) {
    process.stderr.write(`${program}: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

/**
 * `list-sessions` with nothing but global options: the caller's own session files, read here as the
 * C client does (native/initctl/sessions.c), so it needs no daemon and never lists another user's.
 */
function localListSessions(args: readonly string[]): string | undefined {
  let parsed;
  try {
    parsed = parseArgs(args, GLOBAL_OPTIONS);
  } catch {
    return undefined;
  }
  if (parsed.args.length !== 1 || parsed.args[0] !== 'list-sessions') return undefined;
  const { sessions, warning } = callerSessions(process.env, process.getuid?.() ?? 0);
  if (warning !== undefined) process.stderr.write(`initctl: ${warning}\n`);
  return formatSessions(sessions, parsed.opts.json === true);
}

/** How long `events --follow` tries to reach init again after the connection ended (a re-exec takes well under 1 s). */
const RECONNECT_MS = 10_000;

/**
 * `events --follow`, which outlives a re-exec of init: when the connection ends without an exit
 * status, it says so on stderr, connects again and follows on, skipping the journal lines it
 * already showed (docs/reexec.md).
 */
async function follow(program: string, path: string, args: string[], env: Record<string, string>, paint: (s: string) => string): Promise<number> {
  const skip = new ReplaySkipper();
  for (let attempt = 0; ; attempt++) {
    let client;
    const deadline = performance.now() + (attempt === 0 ? 0 : RECONNECT_MS);
    for (;;) {
      try {
        client = await connect(path);
        break;
      } catch (err) {
        if (performance.now() >= deadline) {
          process.stderr.write(attempt === 0
            ? `${paint(`${program}: Unable to connect to init: ${(err as Error).message}\n`)}${connectHint(connectCode(err))}\n`
            : paint(`${program}: init did not come back within ${RECONNECT_MS / 1000} s: ${(err as Error).message}\n`));
          return 1;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (attempt > 0) {
      process.stderr.write(`${program}: reconnected to init; following on\n`);
      skip.resume();
    }
    // Held-back lines are shown once the replay has been quiet for 1 s without the last line shown coming again.
    let lastData = performance.now();
    const giveUp = setInterval(() => {
      if (!skip.skipping || skip.holding === 0 || performance.now() - lastData < 1000) return;
      process.stderr.write(`${program}: could not find where the journal left off; entries may repeat\n`);
      process.stdout.write(skip.flush());
    }, 250);
    try {
      const r = await client.command([program, ...args], env, (stream, data) => {
        lastData = performance.now();
        if (stream === 'stdout') process.stdout.write(skip.feed(data));
        else process.stderr.write(paint(data));
      });
      return r.exitStatus;
    } catch (err) {
      if (!(err instanceof ControlError && err.code === 'closed')) {
        process.stderr.write(paint(`${program}: ${(err as Error).message}\n`));
        return 1;
      }
      process.stderr.write(`${program}: init closed the connection (re-executing?); reconnecting\n`);
    } finally {
      clearInterval(giveUp);
      client.close();
    }
  }
}

/** Whether this module is the script node was started with (argv[1] may be no file at all: `node -e CODE ARGS`). */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

// Run as a script (`node dist/cli/initctl.js ARGS`, the C client's stand-in): the same as main.
if (isEntry()) void main(process.argv.slice(2));
