// Runs one initctl command line: finds the command (or alias), parses it into a Request, authorises, answers, prints.
import { EngineError } from '../../model/engineApi.ts';
import { denialFor } from '../auth.ts';
import { answer, type HandlerContext } from '../handlers/index.ts';
import type { Request } from '../protocol.ts';
import { GLOBAL_OPTIONS, UsageError, commandIndex, parseArgs, type OptionSpec } from './argv.ts';
import { configCommands } from './config.ts';
import { command, type CommandContext, type CommandSpec, type Invocation } from './context.ts';
import { daemonCommands } from './daemon.ts';
import { envCommands } from './env.ts';
import { eventCommands } from './events.ts';
import { graphCommands } from './graph.ts';
import { plotCommands } from './plot.ts';
import { jobCommands } from './jobs.ts';
import { actionCommands, isActionShorthand } from './actions.ts';

/** Names initctl may be invoked as (symlinks made by `initctl install-aliases DIR`). */
export const ALIASES: readonly string[] = ['start', 'stop', 'restart', 'reload', 'status'];

const installAliases: CommandSpec = command<never>({
  summary: 'Make initctl, start, stop, restart, reload and status links to this client in DIR.',
  usage: 'DIR',
  requests: [],
  // The client does this itself, on its own filesystem and with its own rights; reaching the daemon means it did not.
  parse: () => {
    throw new EngineError('invalid', 'install-aliases is carried out by the initctl client, not the daemon; use bin/initctl');
  },
});

/** `PROGRAM: MESSAGE` on stderr; returns the exit status 1. */
function fail(ctx: CommandContext, inv: Invocation, message: string): number {
  ctx.write('stderr', `${inv.program}: ${message}\n`);
  return 1;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const COMMANDS: Record<string, CommandSpec> = {
  ...jobCommands,
  ...eventCommands,
  ...daemonCommands,
  ...configCommands,
  ...envCommands,
  ...graphCommands,
  ...plotCommands,
  ...actionCommands,
  'install-aliases': installAliases,
};

/** The order commands appear in --help. */
const HELP_ORDER = [
  'start', 'stop', 'restart', 'reload', 'status', 'list', 'emit', 'usage', 'show-config', 'check-config',
  'list-env', 'get-env', 'set-env', 'unset-env', 'reset-env', 'reload-configuration', 'notify-disk-writeable',
  'notify-dbus-address', 'notify-cgroup-manager-address', 'notify-ready',
  'version', 'log-priority', 'list-sessions', 'events', 'why', 'graph', 'plot', 'action', 'install-aliases',
];

/** One row of the command table, for generated help and reference pages (docs, completion). */
export interface CommandEntry {
  name: string;
  summary: string;
  usage: string;
  options: readonly OptionSpec[];
  /** The request types the command may make (protocol.ts); who may send them is auth.ts. */
  requests: readonly string[];
}

/** Every command in --help order, then any not listed there (reexec, ...) by name. */
export function commandTable(): CommandEntry[] {
  const names = [...HELP_ORDER, ...Object.keys(COMMANDS).filter((n) => !HELP_ORDER.includes(n)).sort()];
  return names.map((name) => {
    const c = COMMANDS[name] as CommandSpec;
    return { name, summary: c.summary, usage: c.usage, options: c.options ?? [], requests: c.requests };
  });
}

function optionText(o: OptionSpec): string {
  const long = `--${o.long}${o.takesArg ? '=VALUE' : ''}`;
  return o.short !== undefined ? `-${o.short}, ${long}` : `    ${long}`;
}

export function helpText(program: string, command?: string): string {
  if (command !== undefined) {
    const spec = COMMANDS[command] as CommandSpec;
    const opts = spec.options ?? [];
    return [
      `Usage: ${program}${ALIASES.includes(program) ? '' : ` ${command}`} [OPTION]... ${spec.usage}`.trimEnd(),
      spec.summary,
      '',
      ...(opts.length > 0 ? ['Options:', ...opts.map((o) => `  ${optionText(o)}`), ''] : []),
      `For global options see \`${ALIASES.includes(program) ? 'initctl' : program} --help'.`,
      '',
    ].join('\n');
  }
  // Commands added to the table after HELP_ORDER was written still appear, after the others.
  const order = [...HELP_ORDER.filter((c) => COMMANDS[c] !== undefined), ...Object.keys(COMMANDS).filter((c) => !HELP_ORDER.includes(c)).sort()];
  const width = Math.max(...order.map((c) => `${c} ${COMMANDS[c]?.usage ?? ''}`.length));
  return [
    `Usage: ${program} [OPTION]... COMMAND [OPTION]... [ARG]...`,
    '',
    'Options:',
    '  -q, --quiet            reduce output to errors only',
    '  -n, --no-wait          do not wait for start/stop/restart/emit to finish',
    '      --system           talk to the system init (/run/upstart/control.sock)',
    '      --user, --session  talk to the session init named by $UPSTART_SESSION',
    '      --socket=PATH      talk to the init listening on PATH',
    '      --json             print read commands\' results as JSON',
    '  -h, --help             display this help and exit',
    '      --version          output version information and exit',
    '',
    'Commands:',
    ...order.map((c) => `  ${`${c} ${COMMANDS[c]?.usage ?? ''}`.padEnd(width)}  ${COMMANDS[c]?.summary ?? ''}`),
    '',
    'Global options may be given before or after the command.',
    '',
  ].join('\n');
}

/** The first argument that is not an option or an option's value (the job of `initctl ACTION JOB`). */
function firstWord(args: readonly string[]): string | undefined {
  try {
    return parseArgs(args, GLOBAL_OPTIONS).args[0];
  } catch {
    return undefined;
  }
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? p : p.slice(i + 1);
}

/**
 * Runs argv (argv[0] is the program name the client was invoked as) and returns the exit status.
 * Output goes through ctx.write; nothing here throws for bad input.
 */
export async function runCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const program = basename(argv[0] ?? 'initctl') || 'initctl';
  const alias = ALIASES.includes(program);
  let command: string | undefined;
  let rest: string[];
  const args = argv.slice(1);
  if (alias) {
    command = program;
    rest = args;
  } else {
    const i = commandIndex(args);
    command = i === -1 ? undefined : (args[i] as string);
    rest = i === -1 ? args : [...args.slice(0, i), ...args.slice(i + 1)];
  }
  const usage = (message: string): number => {
    ctx.write('stderr', `${program}: ${message}\nTry \`${program} --help' for more information.\n`);
    return 1;
  };
  let spec = command === undefined || command === 'help' ? undefined : COMMANDS[command];
  // `initctl ACTION JOB [KEY=VALUE]...`: a job's custom action named like a command (docs/actions.md).
  if (!alias && command !== undefined && command !== 'help' && spec === undefined && isActionShorthand(ctx.engine, command, firstWord(rest))) {
    // ACTION goes right after JOB: the action command reads JOB ACTION [KEY=VALUE]...
    const at = rest.indexOf(firstWord(rest) as string);
    rest = [...rest.slice(0, at + 1), command, ...rest.slice(at + 1)];
    command = 'action';
    spec = COMMANDS.action;
  }
  if (command !== undefined && command !== 'help' && spec === undefined) {
    // Still honour --help before complaining about the command.
    return usage(`invalid command: ${command}`);
  }
  let inv: Invocation;
  try {
    const parsed = parseArgs(rest, [...GLOBAL_OPTIONS, ...(spec?.options ?? [])]);
    inv = {
      program,
      command: command ?? '',
      opts: parsed.opts,
      args: parsed.args,
      quiet: parsed.opts.quiet === true,
      json: parsed.opts.json === true,
      wait: parsed.opts.noWait !== true,
    };
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }
  const hctx: HandlerContext = {
    engine: ctx.engine,
    hooks: ctx.hooks,
    mayChange: ctx.denial === undefined,
    signal: ctx.signal,
    stream: (e) => out(spec?.item?.(e, inv) ?? ''),
  };
  const out = (text: string): void => {
    if (!inv.quiet && text !== '') ctx.write('stdout', text);
  };
  if (inv.opts.version === true) {
    ctx.write('stdout', `${String(await answer({ type: 'version', id: 0 }, hctx))}\n`);
    return 0;
  }
  if (inv.opts.help === true || command === 'help') {
    ctx.write('stdout', helpText(program, spec === undefined ? undefined : command));
    return 0;
  }
  if (spec === undefined) return usage('missing command');
  // 1. parse: the command line as a Request (pure). A peer that may make none of the command's
  //    requests is told so before any mistake in its usage.
  let body: ReturnType<CommandSpec['parse']>;
  try {
    body = spec.parse(inv, ctx.env);
  } catch (err) {
    const refused = spec.requests.map((t) => denialFor(t, ctx)).find((d) => d !== undefined);
    if (refused !== undefined) return fail(ctx, inv, refused);
    if (err instanceof UsageError) return usage(err.message);
    return fail(ctx, inv, messageOf(err));
  }
  // 2. authorise: the one table (auth.ts).
  const why = denialFor(body.type, ctx);
  if (why !== undefined) return fail(ctx, inv, why);
  // 3. answer (handlers/), 4. format.
  try {
    if (body.type === 'command' || body.type === 'cancel') throw new EngineError('invalid', `${body.type} is not a command`);
    const request = { ...body, id: 0 } as Exclude<Request, { type: 'command' | 'cancel' }>;
    const result = await answer(request, hctx);
    out(spec.format?.(result as never, inv, body) ?? '');
    return spec.status?.(result as never) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    return fail(ctx, inv, messageOf(err));
  }
}
