// The signal table: what the daemon does with each signal, by {mode, pid1, container}; pure data and one lookup.

export type Mode = 'system' | 'user';

/** Where the daemon runs: its mode, whether it is PID 1, and whether that PID 1 is a container's. */
export interface SignalContext {
  mode: Mode;
  pid1: boolean;
  container: boolean;
}

/** The signals a row may name (node's names); the daemon handles those with a row for its context. */
export const HANDLED_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGWINCH', 'SIGPWR', 'SIGPIPE', 'SIGUSR1'] as const;
export type HandledSignal = (typeof HANDLED_SIGNALS)[number];

export type SignalAction =
  /** Reload the configuration (as `initctl reload-configuration`). */
  | { do: 'reload' }
  /** Emit `event` with no environment, without waiting for it. */
  | { do: 'emit'; event: string }
  /**
   * Ordered shutdown of every job, then the daemon exits; `event` is emitted first if given.
   * `secondForces`: the same signal again during the shutdown forces it (every job process is
   * killed at once and the daemon exits 1), as docker users expect from Ctrl-C twice.
   */
  | { do: 'shutdown'; event?: string; secondForces?: boolean }
  /** Stateful re-exec (as `initctl reexec`). */
  | { do: 'reexec' }
  /** init(8): join the D-Bus system bus (again), as Upstart's dbus job asks once the bus runs (docs/dbus.md). */
  | { do: 'reconnect-bus' }
  /** Nothing; `why`, if given, is logged as a warning. */
  | { do: 'ignore'; why?: string };

/** One row: a field left out matches any value. The first row that matches wins. */
export interface SignalRow {
  signal: HandledSignal;
  mode?: Mode;
  pid1?: boolean;
  container?: boolean;
  action: SignalAction;
}

const reload: SignalAction = { do: 'reload' };
const ignore: SignalAction = { do: 'ignore' };
const emit = (event: string): SignalAction => ({ do: 'emit', event });
const sessionEnd: SignalAction = { do: 'shutdown', event: 'session-end' };
const containerStop: SignalAction = { do: 'shutdown' };

/** init(8)'s signals, and what a session init and a container's PID 1 do instead (docs/decisions.md). */
export const SIGNAL_TABLE: readonly SignalRow[] = [
  { signal: 'SIGHUP', action: reload },
  { signal: 'SIGWINCH', action: emit('keyboard-request') },
  { signal: 'SIGPWR', action: emit('power-status-changed') },
  // A session init: Ctrl-C in its terminal, or its session manager, ends the session.
  { signal: 'SIGINT', mode: 'user', action: sessionEnd },
  { signal: 'SIGTERM', mode: 'user', action: sessionEnd },
  // A container's init (detected or --container, docs/containers.md): `docker stop` and Kubernetes send
  // SIGTERM, Ctrl-C on `docker run -it` SIGINT (twice: force), some runtimes SIGQUIT; each stops
  // every job in order and the daemon exits. A session init keeps its own rows above.
  { signal: 'SIGTERM', mode: 'system', container: true, action: containerStop },
  { signal: 'SIGINT', mode: 'system', container: true, action: { do: 'shutdown', secondForces: true } },
  { signal: 'SIGQUIT', mode: 'system', container: true, action: containerStop },
  // The kernel sends SIGINT on Ctrl-Alt-Del (reboot(CAD_OFF)); what happens is the jobs' business.
  { signal: 'SIGINT', mode: 'system', action: emit('control-alt-delete') },
  // PID 1 of a machine: SIGTERM is Upstart's re-exec request.
  { signal: 'SIGTERM', mode: 'system', pid1: true, container: false, action: { do: 'reexec' } },
  // Not PID 1, or PID 1 of a container (docker stop).
  { signal: 'SIGTERM', mode: 'system', action: { do: 'shutdown' } },
  { signal: 'SIGPIPE', action: ignore },
  { signal: 'SIGUSR1', mode: 'system', action: { do: 'reconnect-bus' } },
  { signal: 'SIGUSR1', action: ignore },
];

/**
 * What `signal` means in `ctx`: the first matching row of `table`; undefined when no row matches
 * (the daemon then leaves the signal's default disposition alone).
 */
export function signalAction(ctx: SignalContext, signal: HandledSignal, table: readonly SignalRow[] = SIGNAL_TABLE): SignalAction | undefined {
  for (const row of table) {
    if (row.signal !== signal) continue;
    if (row.mode !== undefined && row.mode !== ctx.mode) continue;
    if (row.pid1 !== undefined && row.pid1 !== ctx.pid1) continue;
    if (row.container !== undefined && row.container !== ctx.container) continue;
    return row.action;
  }
  return undefined;
}
