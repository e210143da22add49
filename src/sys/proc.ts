// Processes and the daemon's own process: signals (kill(-1) too), subreaper, sync, reboot, mount, console keys, rlimits, ptrace.
import type { RLimit, RLimitName } from '../model/jobClass.ts';
import { addon, fail, isInt, limitNumber, pidArg, strings, toSignalNumber } from './addon.ts';

export { toSignalNumber } from './addon.ts';

export const PTRACE_O = addon.constants.ptraceOption;
export const PTRACE_EVENT = addon.constants.ptraceEvent;
export const REBOOT = addon.constants.reboot;

/** kill(2); throws SyscallError (ESRCH for a missing process). */
export function kill(pid: number, signal: string | number): void {
  addon.kill(pidArg(pid), toSignalNumber(signal));
}
/** kill(-pgid, signal). */
export function killGroup(pgid: number, signal: string | number): void {
  if (!isInt(pgid, 2)) fail('pgid must be an integer > 1');
  addon.kill(-pgid, toSignalNumber(signal));
}

/** kill(-1, signal): every process this one may signal but itself (PID 1's last steps); throws SyscallError (ESRCH: none left). */
export const killAll = (signal: string | number): void => addon.kill(-1, toSignalNumber(signal));
/** sync(2). */
export const sync = (): void => addon.sync();
export const setChildSubreaper = (on: boolean): void => addon.setChildSubreaper(on);
export const isChildSubreaper = (): boolean => addon.getChildSubreaper();
export function reboot(cmd: keyof typeof REBOOT): void {
  addon.reboot(REBOOT[cmd] ?? fail(`unknown reboot command ${String(cmd)}`));
}
/** mount(2) (flags: MS_* bits); throws SyscallError. */
export function mount(source: string, target: string, fstype: string, flags: number, data?: string): void {
  strings([source, target, fstype, ...(data === undefined ? [] : [data])], 'mount arguments');
  if (!isInt(flags, 0, 0xffffffff)) fail('mount flags must be a non-negative integer');
  addon.mount(source, target, fstype, flags, data ?? null);
}
/** ioctl(KDSIGACCEPT) on the console at `path`: the KeyboardSignal key sends `signal` to this process. */
export const kdSigAccept = (path: string, signal: string | number): void => addon.kdSigAccept(path, toSignalNumber(signal));

function rlimitNumber(name: RLimitName): number {
  return addon.constants.rlimit[name] ?? fail(`unknown rlimit ${String(name)}`);
}
const fromNumber = (v: number): number | 'unlimited' => (v === Infinity ? 'unlimited' : v);

/** The daemon's own limit. */
export function getrlimit(name: RLimitName): RLimit {
  const r = addon.getrlimit(rlimitNumber(name));
  return { soft: fromNumber(r.soft), hard: fromNumber(r.hard) };
}
export function setrlimit(name: RLimitName, lim: RLimit): void {
  addon.setrlimit(rlimitNumber(name), limitNumber(lim.soft, 'soft'), limitNumber(lim.hard, 'hard'));
}
/**
 * Raises the daemon's RLIMIT_NOFILE: soft and hard to `ceiling` (fs.nr_open, capped at 1M) where
 * it may raise the hard limit (root with CAP_SYS_RESOURCE, as PID 1), else soft to the hard limit.
 * Returns the new soft limit.
 */
export function raiseNofileLimit(ceiling?: number): number | 'unlimited' {
  const cur = getrlimit('nofile');
  if (cur.hard !== 'unlimited' && ceiling !== undefined && ceiling > cur.hard) {
    try {
      setrlimit('nofile', { soft: ceiling, hard: ceiling });
      return ceiling;
    } catch {
      // Not allowed to raise the hard limit: the soft one can still go up to it.
    }
  }
  if (cur.soft !== cur.hard) setrlimit('nofile', { soft: cur.hard, hard: cur.hard });
  return cur.hard;
}

export function ptraceSetOptions(pid: number, options: number): void {
  if (!isInt(options, 0)) fail('ptrace options must be a non-negative integer');
  addon.ptraceSetOptions(pidArg(pid), options);
}
export const ptraceCont = (pid: number, signal = 0): void => addon.ptraceCont(pidArg(pid), toSignalNumber(signal));
export const ptraceDetach = (pid: number, signal = 0): void => addon.ptraceDetach(pidArg(pid), toSignalNumber(signal));
/** For a fork/vfork/clone event: the new child's pid. */
export const ptraceGetEventMsg = (pid: number): number => addon.ptraceGetEventMsg(pidArg(pid));
