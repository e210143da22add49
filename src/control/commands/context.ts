// What every initctl command handler receives, and the shape of the command table.
import { EngineError, type EngineApi } from '../../model/engineApi.ts';
import type { DaemonHooks } from '../hooks.ts';
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

/** One parsed command line, as handlers see it. */
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

export interface CommandSpec {
  summary: string;
  /** Shown after the command name in help, e.g. `JOB [KEY=VALUE]...`. */
  usage: string;
  options?: OptionSpec[];
  /** Whether running it changes the daemon's state (needs authorisation). */
  mutates: boolean | ((inv: Invocation) => boolean);
  /** Shows environments or the journal: refused, like a change, to peers that are not root or the owner (D7). */
  private?: boolean;
  run(ctx: CommandContext, inv: Invocation): Promise<number>;
}

/** Writes to stdout unless -q was given. */
export function out(ctx: CommandContext, inv: Invocation, text: string): void {
  if (!inv.quiet && text !== '') ctx.write('stdout', text);
}

export function outJson(ctx: CommandContext, inv: Invocation, value: unknown): void {
  out(ctx, inv, `${JSON.stringify(value, null, 2)}\n`);
}

/** `PROGRAM: MESSAGE` on stderr; returns the exit status 1. */
export function fail(ctx: CommandContext, inv: Invocation, message: string): number {
  ctx.write('stderr', `${inv.program}: ${message}\n`);
  return 1;
}

/** Runs fn, turning EngineError (and any other error) into `PROGRAM: MESSAGE` and exit status 1. */
export async function guard(ctx: CommandContext, inv: Invocation, fn: () => Promise<number> | number): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (err instanceof EngineError) return fail(ctx, inv, err.message);
    return fail(ctx, inv, err instanceof Error ? err.message : String(err));
  }
}

/** Checks the argument count; throws UsageError with initctl's texts. */
export function needArgs(inv: Invocation, min: number, max: number, missing: string): void {
  if (inv.args.length < min) throw new UsageError(missing);
  if (inv.args.length > max) throw new UsageError('unexpected argument');
}
