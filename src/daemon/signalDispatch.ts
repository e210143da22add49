// Carries out a signal's action from the signal table (signals.ts) on the daemon, through a small host the daemon gives.
import type { SignalAction } from './signals.ts';

export interface SignalHost {
  log(level: 'info' | 'message' | 'warn' | 'error', msg: string): void;
  /** A container's init says its shutdown at the default priority (docker logs). */
  container(): boolean;
  reload(): Promise<void>;
  /** Emits EVENT with no environment, without waiting for it. */
  emit(event: string): Promise<unknown>;
  /** Whether a shutdown is under way. */
  stopping(): boolean;
  /** Starts the staged shutdown: the daemon exits once every job has stopped. */
  shutdown(reason: string, event: string | undefined): void;
  /** Kills every job process now (the same signal a second time during its shutdown). */
  force(signal: string): void;
  reexec(): Promise<void>;
  /** Joins the system bus again; false (nothing done) with --no-dbus. */
  joinBus(): boolean;
}

/** One daemon's signal handling: it remembers which signal started the shutdown, so that one again forces it. */
export class SignalDispatch {
  private shutdownSignal: string | undefined;

  constructor(private readonly host: SignalHost) {}

  run(signal: string, action: SignalAction): void {
    const h = this.host;
    switch (action.do) {
      case 'reload':
        h.log('info', `${signal}: reloading the configuration`);
        h.reload().catch((err: Error) => h.log('error', `reload: ${err.message}`));
        return;
      case 'emit':
        h.log('info', `emitting ${action.event}`);
        h.emit(action.event).catch(() => undefined);
        return;
      case 'shutdown':
        if (h.stopping() && action.secondForces && this.shutdownSignal === signal) {
          h.force(signal);
          return;
        }
        if (h.stopping()) {
          h.log('info', `${signal}: already stopping every job`);
          return;
        }
        this.shutdownSignal = signal;
        h.log(h.container() ? 'message' : 'info', `${signal}: stopping every job${action.secondForces ? ` (${signal} again forces it)` : ''}`);
        h.shutdown(signal, action.event);
        return;
      case 'reexec':
        h.log('info', `${signal}: re-executing`);
        h.reexec().catch((err: Error) => h.log('error', `${signal}: ${err.message}`));
        return;
      case 'reconnect-bus':
        if (!h.joinBus()) h.log('info', `${signal}: not joining the system bus: --no-dbus`);
        return;
      case 'ignore':
        if (action.why !== undefined) h.log('warn', `${signal}: ${action.why}; ignoring`);
        return;
    }
  }
}
