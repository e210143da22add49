// What every request handler receives, and the shape of a family's handler table.
import type { EngineApi, JournalEntry } from '../../model/engineApi.ts';
import type { DaemonHooks } from '../hooks.ts';
import type { ConfigSummary, RequestOf, RequestType, ResultMap } from '../protocol.ts';

export interface HandlerContext {
  engine: EngineApi;
  hooks: DaemonHooks;
  /** Whether the peer may change state (an init script's status is then asked of the script itself). */
  mayChange: boolean;
  /** Aborted by `cancel`, or when the client goes away: ends a streaming request. */
  signal: AbortSignal;
  /** One item of a streaming request (`journal` with follow, `subscribe`). */
  stream(entry: JournalEntry): void;
  /** One item of `watch-config`: the whole job list (absent where nothing can be streamed: a command line, D-Bus). */
  streamConfig?(summaries: ConfigSummary[]): void;
}

/** Answers one request: its result value, or throws EngineError for an `error` reply. */
export type Handler<T extends RequestType> = (r: RequestOf<T>, ctx: HandlerContext) => ResultMap[T] | Promise<ResultMap[T]>;

/** A family's handlers, one per request type it owns. */
export type HandlerTable<T extends RequestType> = { [K in T]: Handler<K> };

/** Resolves once the signal is aborted (at once if it already is). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
