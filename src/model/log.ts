// The one logging callback the layers below the daemon take (the daemon's DaemonLog adds `message`).

export type LogFnLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where a component reports what it did or survived; the daemon routes it to its log. */
export type LogFn = (level: LogFnLevel, msg: string) => void;
