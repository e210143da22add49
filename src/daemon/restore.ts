// Stateful re-exec, the new image's side: reading the state fd, keeping a state it cannot use, and re-adopting jobs from their cgroups.
import { closeSync, fstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../job/engine.ts';
import { parseCgroupName } from '../model/instanceRef.ts';
import type { CgroupTree } from '../process/cgroupTree.ts';
import * as native from '../sys/index.ts';
import type { NativeProcessPort } from '../process/nativePort.ts';
import { parentOf, stateOf } from '../process/procStat.ts';
import { decodeState, keptFds, type StateEnvelope } from '../state/envelope.ts';
import { StateError } from '../state/check.ts';

export type RestoreLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

/** The whole content of the state fd (a memfd, read from its start); the fd is closed. */
export function readStateFd(fd: number): string {
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n <= 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    try { closeSync(fd); } catch { /* already closed */ }
  }
}

/** LOGDIR/upstart-state-<time>.json (written atomically), for a state the new image could not use; undefined if it cannot be written. */
export function keepUnusableState(logdir: string, text: string, now = new Date()): string | undefined {
  const path = join(logdir, `upstart-state-${now.toISOString().replace(/[:.]/g, '-')}.json`);
  try {
    mkdirSync(logdir, { recursive: true, mode: 0o755 });
    writeFileSync(`${path}.new`, text, { mode: 0o600 });
    renameSync(`${path}.new`, path);
    return path;
  } catch {
    return undefined;
  }
}

/**
 * The state handed over by --state-fd, checked whole; or undefined (logged, and the text kept in
 * the log dir) when it cannot be used: the daemon then starts without it and re-adopts from cgroups.
 */
export function loadState(fd: number, logdir: string, log: RestoreLog): StateEnvelope | undefined {
  let text = '';
  try {
    text = readStateFd(fd);
    const state = decodeState(text);
    for (const k of keptFds(state)) native.setCloexec(k, true);
    closeOnExecInherited();
    return state;
  } catch (err) {
    // The fds the old image kept open for us are ours still, but no job may inherit them.
    closeOnExecInherited();
    const why = err instanceof StateError ? `${err.code}: ${err.message}` : (err as Error).message;
    const kept = keepUnusableState(logdir, text);
    log('warn', `re-exec: the state cannot be used (${why}); starting without it and re-adopting jobs from their cgroups${kept ? `; the state is in ${kept}` : ''}`);
    return undefined;
  }
}

/**
 * Marks every fd above stdio close-on-exec: what the old image kept open across the exec and
 * this image does not know (a state it cannot use, or fields of a newer image's state) would
 * otherwise be inherited by every job it starts.
 */
function closeOnExecInherited(): void {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return;
  }
  for (const name of names) {
    const fd = Number(name);
    if (fd < 3) continue;
    try { native.setCloexec(fd, true); } catch { /* the fd readdir itself used, closed meanwhile */ }
  }
}

/**
 * After a re-exec whose state could not be used: the listening socket the old image kept open for
 * `path` (found by its inode in /proc/net/unix), so that clients which connected during the exec
 * are answered; undefined if there is none. Its close-on-exec is set again.
 */
export function findInheritedListener(path: string): number | undefined {
  let inode: string | undefined;
  try {
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
      // Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 = listening.
      const f = line.trim().split(/\s+/);
      if (f.length >= 8 && f[7] === path && (parseInt(f[3]!, 16) & 0x10000) !== 0) inode = f[6];
    }
    if (inode === undefined) return undefined;
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      if (fd < 3) continue;
      try {
        if (readlinkSync(`/proc/self/fd/${name}`) === `socket:[${inode}]`) {
          native.setCloexec(fd, true);
          return fd;
        }
      } catch {
        // closed meanwhile (the fd readdir itself used)
      }
    }
  } catch {
    // no /proc/net/unix: bind afresh
  }
  return undefined;
}

/** Whether pid is alive (not gone, not a zombie). */
function alive(pid: number): boolean {
  const s = stateOf(pid);
  return s !== undefined && s !== 'Z' && s !== 'X';
}

/**
 * A daemon that starts without a state: every process left in a job cgroup under the base (a
 * re-exec whose state could not be used, or a daemon that was killed) is taken back as its
 * instance's running main process instead of starting a second copy; empty cgroups left by a
 * dead daemon are removed. Processes that are not our children (the old daemon was killed, so
 * they were re-parented) are watched by polling; our children are reaped as usual.
 */
export function readoptFromCgroups(tree: CgroupTree, engine: Engine, port: NativeProcessPort, log: RestoreLog): number {
  let adopted = 0;
  const strangers: number[] = [];
  for (const name of tree.dirNames()) {
    const pids = tree.pidsIn(name);
    if (pids.length === 0) {
      if (tree.removeIfEmpty(name)) log('debug', `removed the empty cgroup ${name} a previous daemon left`);
      continue;
    }
    const owner = parseCgroupName(name);
    if (owner === undefined || engine.getClass(owner.job) === undefined) {
      log('warn', `cgroup ${name} holds processes (${pids.join(' ')}) of no known job; leaving them alone`);
      continue;
    }
    const inSet = new Set(pids);
    const main = pids.find((p) => !inSet.has(parentOf(p) ?? 0)) ?? pids[0]!;
    if (!engine.adoptRunning(owner.job, owner.instance, main)) continue;
    tree.claim(name, owner);
    port.own(main, owner);
    adopted++;
    if (parentOf(main) !== process.pid) strangers.push(main);
    log('info', `${owner.job}${owner.instance ? ` (${owner.instance})` : ''}: re-adopted from its cgroup, main process ${main}`);
  }
  if (strangers.length > 0) watchStrangers(strangers, port);
  return adopted;
}

/** Polls re-adopted processes that are not our children (we cannot reap them) and reports each end to the port. */
function watchStrangers(pids: number[], port: NativeProcessPort, everyMs = 500): void {
  const left = new Set(pids);
  const t = setInterval(() => {
    for (const pid of left) {
      if (alive(pid)) continue;
      left.delete(pid);
      port.lost(pid);
    }
    if (left.size === 0) clearInterval(t);
  }, everyMs);
}
