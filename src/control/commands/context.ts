// The shape of the command table: each initctl command is a pure parse (argv → Request) and format (result → text).
import type { EngineApi, JournalEntry } from '../../model/engineApi.ts';
import type { DaemonHooks } from '../hooks.ts';
import type { RequestBody, RequestType, ResultMap } from '../protocol.ts';
import { UsageError, type OptionSpec } from './argv.ts';

/** The client's side of one command line, plus where its output goes. */
export interface CommandContext {
  engine: EngineApi;
  hooks: DaemonHooks;
  /** The client's environment as sent (UPSTART_JOB, UPSTART_INSTANCE, ...). */
  env: Record<string, string>;
  /** undefined when the peer may change the daemon's state, else why not (a full sentence). */
  denial: string | undefined;
  /** undefined when the peer may read environments and the journal, else why not (D7; absent: allowed). */
  readDenial?: string;
  write(stream: 'stdout' | 'stderr', text: string): void;
  /** Aborted when the client goes away (ends `events --follow`). */
  signal: AbortSignal;
}

/** One parsed command line, as parse and format see it. */
export interface Invocation {
  /** `initctl`, or the alias name (`start`) when invoked through one: prefixes every message. */
  program: string;
  command: string;
  opts: Record<string, string | true>;
  args: string[];
  quiet: boolean;
  json: boolean;
  wait: boolean;
}

/** The client's environment as the command line sees it (UPSTART_JOB, UPSTART_INSTANCE). */
export type ClientEnv = Readonly<Record<string, string>>;

/**
 * One initctl command. Its text is what `initctl --help` and the reference pages show; `parse` and
 * `format` are pure: the daemon authorises and answers the request in between (auth.ts, handlers/).
 */
export interface Command<T extends RequestType = RequestType> {
  summary: string;
  /** Shown after the command name in help, e.g. `JOB [KEY=VALUE]...`. */
  usage: string;
  options?: OptionSpec[];
  /** Every request type parse may return (for help and reference pages, and for refusing before a usage error). */
  requests: readonly T[];
  /** The request the command line asks for; throws UsageError (bad usage) or EngineError (refused). */
  parse(inv: Invocation, env: ClientEnv): RequestBody<T>;
  /** What the command prints on stdout for the result (unless -q). Default: nothing. */
  format?(result: ResultMap[T], inv: Invocation, req: RequestBody<T>): string;
  /** What it prints for each item of a streaming request (`events --follow`). */
  item?(entry: JournalEntry, inv: Invocation): string;
  /** Exit status for a result (default 0). */
  status?(result: ResultMap[T]): number;
}

/** The command table's entry type (each command is checked against its own request types by `command`). */
export type CommandSpec = Command<RequestType>;

/** Checks one command against the request types it names; the table holds them all as CommandSpec. */
export function command<T extends RequestType>(c: Command<T>): CommandSpec {
  return c as unknown as CommandSpec;
}

/** JSON as initctl --json prints it. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Checks the argument count; throws UsageError with initctl's texts. */
export function needArgs(inv: Invocation, min: number, max: number, missing: string): void {
  if (inv.args.length < min) throw new UsageError(missing);
  if (inv.args.length > max) throw new UsageError('unexpected argument');
}
