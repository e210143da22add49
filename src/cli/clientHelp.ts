// What the initctl client answers by itself, with no daemon: help, COMMAND --help, --version (the client's own).
import { ALIASES, COMMANDS, helpText } from '../control/commands/index.ts';
import { commandIndex } from '../control/commands/argv.ts';
import { VERSION } from '../daemon/version.ts';

/** `initctl --version` names the client; `initctl version` asks the daemon (as Upstart's initctl does). */
export const CLIENT_VERSION = `initctl (${VERSION})`;

export interface LocalAnswer {
  stdout: string;
  stderr: string;
  status: number;
}

/** Short global flags that may be bundled with -h (`-qh`). */
const BUNDLE = /^-[qvnh]*h[qvnh]*$/;

/**
 * The answer for argv (after the program name) when it asks for help or the version, else undefined
 * (the command goes to the daemon). The C client (native/initctl) answers the same argv the same way,
 * from native/initctl/help.h, which scripts/generate.ts writes from the same table.
 */
export function localAnswer(program: string, args: readonly string[]): LocalAnswer | undefined {
  let help = false;
  let version = false;
  for (const a of args) {
    if (a === '--') break;
    if (a === '--help' || BUNDLE.test(a)) help = true;
    else if (a === '--version') version = true;
  }
  const alias = ALIASES.includes(program);
  const ci = alias ? -1 : commandIndex(args);
  const word = ci === -1 ? undefined : args[ci];
  if (!alias && word === 'help') {
    const target = args.slice(ci + 1).find((a) => !a.startsWith('-'));
    return target === undefined ? ok(helpText(program)) : commandHelp(program, target);
  }
  if (version) return ok(`${CLIENT_VERSION}\n`);
  if (!help) return undefined;
  if (alias) return ok(helpText(program, program));
  return word === undefined ? ok(helpText(program)) : commandHelp(program, word);
}

function ok(stdout: string): LocalAnswer {
  return { stdout, stderr: '', status: 0 };
}

function commandHelp(program: string, command: string): LocalAnswer {
  if (COMMANDS[command] === undefined) {
    return { stdout: '', stderr: `${program}: invalid command: ${command}\nTry \`${program} help' to list the commands.\n`, status: 1 };
  }
  return ok(helpText(program, command));
}

/** What to do next when the daemon cannot be reached, by the connect error's code (the C client says the same). */
export function connectHint(code: string | undefined): string {
  if (code === 'EACCES' || code === 'EPERM') {
    return "Only root (or the session's owner) may use that socket: run as root, or use --socket=PATH of your own session init.";
  }
  return "Is init running? Start a session init with `upstart --user', then use --socket=PATH or $UPSTART_SESSION as it logs; --system is /run/upstart/control.sock.";
}

/** Errors in red only on a terminal, never with NO_COLOR set (no-color.org) or TERM=dumb; the C client decides alike. */
export function wantColour(env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTty;
}

/** text in red, its trailing newlines outside the colour (as native/initctl writes the daemon's stderr). */
export function red(text: string): string {
  const body = text.replace(/\n+$/, '');
  return `\x1b[31m${body}\x1b[0m${text.slice(body.length)}`;
}
