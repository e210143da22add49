// PID 1's last steps once the jobs are down: TERM to every process, KILL to what is left, sync, read-only remounts, reboot(2).
import { readFileSync, readlinkSync } from 'node:fs';
import type { LogLevel } from '../log/daemonLog.ts';
import * as native from '../sys/index.ts';
import type { ShutdownAction } from './shutdownSequence.ts';

export type RebootCommand = 'POWER_OFF' | 'HALT' | 'RESTART';

/** The system interfaces of the final stage (the addon and /proc in the daemon; fakes in tests). */
export interface FinalSys {
  /** kill(-1, signal); false when no process is left to signal (ESRCH). */
  killAll(signal: 'TERM' | 'KILL' | 0): boolean;
  sync(): void;
  /** Whether this is the first (the machine's) PID namespace, where remounts reach real disks. */
  initialPidNamespace(): boolean;
  /** Mount points to remount read-only, innermost first. */
  diskMounts(): string[];
  remountReadOnly(target: string): void;
  /** Returns only on failure (by throwing); in a child PID namespace the kernel ends this init. */
  reboot(cmd: RebootCommand): void;
  sleep(ms: number): Promise<void>;
}

export interface FinalOptions {
  /** How long processes get between TERM and KILL (ms). */
  termGraceMs: number;
  /** How long to wait for processes to go after KILL (ms). */
  killWaitMs?: number;
}

const COMMAND: Record<Exclude<ShutdownAction, 'exit'>, RebootCommand> = { halt: 'HALT', poweroff: 'POWER_OFF', reboot: 'RESTART' };
const SAID: Record<RebootCommand, string> = { HALT: 'halt', POWER_OFF: 'power off', RESTART: 'restart' };

/** Polls until no process is left (true) or `ms` have passed (false). */
async function gone(sys: FinalSys, ms: number): Promise<boolean> {
  for (let waited = 0; ; waited += 50) {
    if (!sys.killAll(0)) return true;
    if (waited >= ms) return false;
    await sys.sleep(50);
  }
}

/**
 * As sysvinit's sendsigs, umountroot and halt: each step is said in the log. Returns only when
 * reboot(2) failed (the caller keeps PID 1 running).
 */
export async function finalStage(action: Exclude<ShutdownAction, 'exit'>, sys: FinalSys, log: (level: LogLevel, msg: string) => void, o: FinalOptions): Promise<void> {
  log('message', 'Sending all processes the TERM signal');
  if (sys.killAll('TERM') && !(await gone(sys, o.termGraceMs))) {
    log('message', 'Sending all processes the KILL signal');
    sys.killAll('KILL');
    if (!(await gone(sys, o.killWaitMs ?? 2000))) log('warn', 'some processes are still there after KILL (in uninterruptible sleep?)');
  }
  log('message', 'Syncing filesystems');
  sys.sync();
  if (sys.initialPidNamespace()) {
    for (const target of sys.diskMounts()) {
      try {
        sys.remountReadOnly(target);
        log('message', `Remounted ${target} read-only`);
      } catch (err) {
        log('warn', `cannot remount ${target} read-only: ${(err as Error).message}`);
      }
    }
    sys.sync();
  } else {
    log('info', 'not the first PID namespace: filesystems are left as they are (they are the host\'s)');
  }
  const cmd = COMMAND[action];
  log('message', `Will now ${SAID[cmd]}`);
  try {
    sys.reboot(cmd);
  } catch (err) {
    log('error', `reboot(2) ${cmd} failed: ${(err as Error).message}; init keeps running`);
  }
}

/** Filesystems that hold no disk data: never remounted. */
const VIRTUAL = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'ramfs', 'rootfs', 'cgroup', 'cgroup2', 'securityfs', 'debugfs',
  'tracefs', 'pstore', 'bpf', 'mqueue', 'hugetlbfs', 'configfs', 'fusectl', 'autofs', 'binfmt_misc', 'efivarfs', 'nsfs',
]);

/** Mount points of /proc/self/mountinfo whose filesystem may hold data, innermost (last mounted) first. */
export function diskMountsOf(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const fstype = line.slice(dash + 3).split(' ')[0] ?? '';
    const target = (line.slice(0, dash).split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (target !== '' && !VIRTUAL.has(fstype)) out.push(target);
  }
  return out.reverse();
}

/** The first PID namespace's inode (PROC_PID_INIT_INO in the kernel). */
const INIT_PID_NS = 'pid:[4026531836]';

const MS_RDONLY = 1;
const MS_REMOUNT = 32;

export const realFinalSys: FinalSys = {
  killAll: (signal) => {
    try {
      native.killAll(signal);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'ESRCH') return false;
      throw err;
    }
  },
  sync: () => native.sync(),
  initialPidNamespace: () => {
    try {
      return readlinkSync('/proc/self/ns/pid') === INIT_PID_NS;
    } catch {
      return false;
    }
  },
  diskMounts: () => {
    try {
      return diskMountsOf(readFileSync('/proc/self/mountinfo', 'utf8'));
    } catch {
      return [];
    }
  },
  remountReadOnly: (target) => native.mount('none', target, '', MS_REMOUNT | MS_RDONLY),
  reboot: (cmd) => native.reboot(cmd),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};
