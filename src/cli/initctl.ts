// initctl in Node: the fallback for the C client (native/initctl), with the same behaviour: a thin pipe to the daemon.
import { fileURLToPath } from 'node:url';
import { chooseSocket } from '../control/address.ts';
import { installAliases } from '../control/aliases.ts';
import { connect } from '../control/client.ts';
import { commandIndex } from '../control/commands/argv.ts';
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
