// PID-1 duties at start: child subreaper for a session init, Ctrl-Alt-Del and Alt-Up to init on a machine, a raised fd limit.
import { readFileSync } from 'node:fs';
import type { LogLevel } from '../log/daemonLog.ts';
import * as native from '../sys/index.ts';
import type { SignalContext } from './signals.ts';

/** The system interfaces these duties use (the addon and /proc in the daemon; fakes in tests). */
export interface Pid1Sys {
  setChildSubreaper(on: boolean): void;
  /** reboot(LINUX_REBOOT_CMD_CAD_OFF). */
  cadOff(): void;
  /** ioctl(KDSIGACCEPT) on the console at `path`. */
  kdSigAccept(path: string, signal: string): void;
  /** Raises RLIMIT_NOFILE towards `ceiling`; returns the new soft limit. */
  raiseNofileLimit(ceiling?: number): number | 'unlimited';
  /** The kernel's ceiling for RLIMIT_NOFILE (fs.nr_open), capped at 1,048,576. */
  nrOpen(): number | undefined;
}

export type DutyLog = (level: LogLevel, msg: string) => void;

/** fs.nr_open, capped at 1,048,576 (undefined where it cannot be read). */
function readNrOpen(): number | undefined {
  try {
    const n = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? Math.min(n, 1 << 20) : undefined;
  } catch {
    return undefined;
  }
}

export const realPid1Sys: Pid1Sys = {
  setChildSubreaper: (on) => native.setChildSubreaper(on),
  cadOff: () => native.reboot('CAD_OFF'),
  kdSigAccept: (path, signal) => native.kdSigAccept(path, signal),
  raiseNofileLimit: (ceiling) => native.raiseNofileLimit(ceiling),
  nrOpen: readNrOpen,
};

/**
 * What the daemon takes on before it loads jobs. A session init, or a container's init that is
 * not PID 1 (`--container` under `docker run --init`), becomes a child subreaper, so its jobs'
 * orphans come back to it. PID 1 on a machine (not in a container) asks
 * the kernel to hand it Ctrl-Alt-Del as SIGINT instead of rebooting at once, and the console to
 * send it SIGWINCH for Alt-Up (keyboard-request), as init(8) says. Every daemon raises its own
 * open-file limit (ptys and logs). A failure is logged and the daemon carries on.
 */
export function takeOnDuties(ctx: SignalContext, sys: Pid1Sys, log: DutyLog): void {
  if ((ctx.mode === 'user' || ctx.container) && !ctx.pid1) {
    try {
      sys.setChildSubreaper(true);
    } catch (err) {
      log('warn', `cannot become a child subreaper: ${(err as Error).message}`);
    }
  }
  if (ctx.pid1 && !ctx.container) {
    try {
      sys.cadOff();
    } catch (err) {
      log('debug', `cannot hand Ctrl-Alt-Del to init: ${(err as Error).message}`);
    }
    try {
      sys.kdSigAccept('/dev/tty0', 'WINCH');
    } catch (err) {
      log('debug', `no keyboard-request from the console: ${(err as Error).message}`);
    }
  }
  try {
    const limit = sys.raiseNofileLimit(sys.nrOpen());
    log('debug', `file descriptor limit raised to ${limit}`);
  } catch (err) {
    log('warn', `cannot raise the file descriptor limit: ${(err as Error).message}`);
  }
}
