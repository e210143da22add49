// PID 1 on a machine: the filesystems init and its jobs need (/proc, /sys, /dev, /dev/pts, /run, /tmp), mounted where nobody has yet, and /dev's standard links.
import { accessSync, constants, lstatSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';

export interface EarlyMount {
  source: string;
  target: string;
  fstype: string;
  flags: Array<'nosuid' | 'nodev' | 'noexec'>;
  data?: string;
  /** Only where the directory cannot be written as it is (a read-only root, as on Chromium OS). */
  onlyIfReadOnly?: boolean;
}

/**
 * As Upstart's init did at start: /proc and /sys (which init itself reads), a devtmpfs /dev, and
 * /dev/pts (every `console log` job gets a pty); gid 5 is the tty group of Debian, Ubuntu and
 * Chromium OS. Then, as Chromium OS's init does, a tmpfs /run, and a tmpfs /tmp where the root
 * filesystem is read-only (a writable /tmp on disk is left as it is).
 */
export const EARLY_MOUNTS: readonly EarlyMount[] = [
  { source: 'proc', target: '/proc', fstype: 'proc', flags: ['nodev', 'noexec', 'nosuid'] },
  { source: 'sysfs', target: '/sys', fstype: 'sysfs', flags: ['nodev', 'noexec', 'nosuid'] },
  { source: 'devtmpfs', target: '/dev', fstype: 'devtmpfs', flags: ['noexec', 'nosuid'], data: 'mode=0755' },
  { source: 'devpts', target: '/dev/pts', fstype: 'devpts', flags: ['noexec', 'nosuid'], data: 'gid=5,mode=0620,ptmxmode=0666' },
  { source: 'tmpfs', target: '/run', fstype: 'tmpfs', flags: ['nodev', 'nosuid'], data: 'mode=0755' },
  { source: 'tmpfs', target: '/tmp', fstype: 'tmpfs', flags: ['nodev', 'nosuid'], data: 'mode=1777', onlyIfReadOnly: true },
];

export interface MountOps {
  /** mount(2); throws on failure. */
  mount(m: EarlyMount): void;
  /** Whether something is already mounted on `path` (its device differs from its parent's). */
  isMountPoint(path: string): boolean;
  /** mkdir -p; throws on failure. */
  mkdir(path: string): void;
  /** Whether `path` (an existing directory) can be written to. */
  writable(path: string): boolean;
}

/** What mountEarly did, for the daemon's log once it has one (/dev/kmsg may be among the mounts). */
export interface MountReport {
  level: 'debug' | 'warn';
  msg: string;
}

/** Mounts each of `mounts` that is not mounted yet, in order; a failure is reported and the rest go on. */
export function mountEarly(ops: MountOps, mounts: readonly EarlyMount[] = EARLY_MOUNTS): MountReport[] {
  const out: MountReport[] = [];
  for (const m of mounts) {
    try {
      if (ops.isMountPoint(m.target)) continue;
      if (m.onlyIfReadOnly && ops.writable(m.target)) continue;
      ops.mkdir(m.target);
      ops.mount(m);
      out.push({ level: 'debug', msg: `mounted ${m.fstype} on ${m.target}` });
    } catch (err) {
      out.push({ level: 'warn', msg: `cannot mount ${m.fstype} on ${m.target}: ${(err as Error).message}` });
    }
  }
  return out;
}

/**
 * The links a fresh devtmpfs lacks and programs expect (bash's and busybox's `<(…)`, `cat
 * /dev/stdin`, scripts run as /dev/fd/N), made by udev or systemd on other systems.
 */
export const DEV_LINKS: ReadonlyArray<{ path: string; target: string }> = [
  { path: '/dev/fd', target: '/proc/self/fd' },
  { path: '/dev/stdin', target: '/proc/self/fd/0' },
  { path: '/dev/stdout', target: '/proc/self/fd/1' },
  { path: '/dev/stderr', target: '/proc/self/fd/2' },
];

export interface LinkOps {
  /** Whether anything (a link too, even a dangling one) is at `path`. */
  exists(path: string): boolean;
  /** symlink(2); throws on failure. */
  symlink(target: string, path: string): void;
}

/** Makes each of `links` that is missing; one that is there (whatever it is) is left alone. */
export function makeDevLinks(ops: LinkOps, links = DEV_LINKS): MountReport[] {
  const out: MountReport[] = [];
  for (const l of links) {
    try {
      if (ops.exists(l.path)) continue;
      ops.symlink(l.target, l.path);
      out.push({ level: 'debug', msg: `linked ${l.path} to ${l.target}` });
    } catch (err) {
      out.push({ level: 'warn', msg: `cannot link ${l.path} to ${l.target}: ${(err as Error).message}` });
    }
  }
  return out;
}

export const realLinkOps: LinkOps = {
  exists: (path) => lstatSync(path, { throwIfNoEntry: false }) !== undefined,
  symlink: (target, path) => symlinkSync(target, path),
};

/** The real operations, given the addon's mount(2). */
export function realMountOps(mount: (source: string, target: string, fstype: string, flags: number, data?: string) => void): MountOps {
  const FLAG = { nosuid: 2, nodev: 4, noexec: 8 } as const;
  return {
    mount: (m) => mount(m.source, m.target, m.fstype, m.flags.reduce((f, n) => f | FLAG[n], 0), m.data),
    isMountPoint: (path) => {
      try {
        return statSync(path).dev !== statSync(dirname(path)).dev;
      } catch {
        return false;
      }
    },
    mkdir: (path) => {
      mkdirSync(path, { recursive: true, mode: 0o755 });
    },
    writable: (path) => {
      try {
        accessSync(path, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}
