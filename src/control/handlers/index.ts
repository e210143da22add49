// The daemon's answer to every request but `command` and `cancel`: one handler per type, split by family.
import type { Request, RequestType } from '../protocol.ts';
import { configHandlers } from './config.ts';
import type { Handler, HandlerContext, HandlerTable } from './context.ts';
import { daemonHandlers } from './daemon.ts';
import { envHandlers } from './env.ts';
import { eventHandlers } from './events.ts';
import { jobHandlers } from './jobs.ts';
import { machineHandlers } from './machine.ts';

export type { HandlerContext } from './context.ts';

/** Request types the connection itself answers: `command` (parse, answer, format) and `cancel` (its own requests). */
export type TransportType = 'command' | 'cancel';
export type AnsweredType = Exclude<RequestType, TransportType>;

/** Every request type has exactly one handler; the compiler checks none is missing. */
export const HANDLERS: HandlerTable<AnsweredType> = {
  ...jobHandlers,
  ...eventHandlers,
  ...envHandlers,
  ...configHandlers,
  ...daemonHandlers,
  ...machineHandlers,
};

/** The value of a `result` reply; throws EngineError for an `error` reply. Authorisation is the caller's (auth.ts). */
export async function answer(r: Exclude<Request, { type: TransportType }>, ctx: HandlerContext): Promise<unknown> {
  const handler = HANDLERS[r.type] as Handler<AnsweredType>;
  return await handler(r as never, ctx);
}
