// Stanza handlers for readiness and liveness (ours, docs/readiness.md): `watchdog SECONDS` and `notification fd N`.
import { OWN_READY } from './resourceStanzas.ts';
import { arg, fail, optionalArg, toCount, type StanzaHandler } from './stanzaContext.ts';

/** The highest fd a job may ask for its notification pipe (beyond it a job's own fds are rarely free). */
export const MAX_NOTIFICATION_FD = 1023;

/** `watchdog SECONDS` (systemd's WatchdogSec): seconds, fractions allowed (`watchdog 0.5`); 0 turns it off. */
const watchdog: StanzaHandler = (ctx) => {
  const t = arg(ctx, 'a number of seconds', 'watchdog');
  const ok = /^[0-9]{1,9}(\.[0-9]{1,6})?$/.test(t.value);
  const n = ok ? Number(t.value) : NaN;
  if (!ok || !Number.isFinite(n)) fail(ctx, 'bad-number', t, `bad watchdog interval '${t.value}': expected seconds such as 10 or 0.5 (0: no watchdog)`);
  const extra = optionalArg(ctx);
  if (extra !== undefined) fail(ctx, 'unexpected-argument', extra, `unexpected argument '${extra.value}': 'watchdog SECONDS' takes nothing more`);
  if (n === 0) delete ctx.spec.watchdog;
  else ctx.spec.watchdog = n;
};

/**
 * `notification fd N` (s6's notification-fd): the main process gets the write end of a pipe as fd N
 * and is ready when it writes a newline there. It also means `expect ready` unless the job says
 * another `expect` (a later `expect` stanza replaces it, as any later stanza does).
 */
const notification: StanzaHandler = (ctx) => {
  const kw = arg(ctx, "'fd'", 'notification');
  if (kw.value !== 'fd') fail(ctx, 'bad-argument', kw, `bad argument to 'notification': expected 'notification fd N', found '${kw.value}'`);
  const t = arg(ctx, 'a file descriptor number (3 or more)', 'notification fd');
  const n = toCount(t.value);
  if (n === undefined || n < 3 || n > MAX_NOTIFICATION_FD) fail(ctx, 'bad-number', t, `bad notification fd '${t.value}': expected a file descriptor number from 3 to ${MAX_NOTIFICATION_FD} (0-2 are stdin, stdout and stderr)`);
  const extra = optionalArg(ctx);
  if (extra !== undefined) fail(ctx, 'unexpected-argument', extra, `unexpected argument '${extra.value}': 'notification fd N' takes nothing more`);
  ctx.spec.notificationFd = n;
  if (ctx.spec.expect.kind === 'none') ctx.spec.expect = { kind: 'event', condition: OWN_READY };
};

export const readinessStanzas: Readonly<Record<string, StanzaHandler>> = { watchdog, notification };
