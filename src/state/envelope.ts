// The re-exec state: one versioned envelope {format, version, parts}; each part is written and checked by its owner.
import { upgradeSnapshotV1, type EngineSnapshot } from '../job/snapshot.ts';
import { checkEngineSnapshot } from '../job/snapshotCheck.ts';
import { checkJournalWire, type JournalWire } from '../log/journalState.ts';
import { checkLogsWire, type LogsWire } from '../log/loggerState.ts';
import { checkCgroupsWire, type CgroupsWire } from '../process/cgroupState.ts';
import { checkProcessWire, type ProcessWire } from '../process/portState.ts';
import { LOG_PRIORITIES, type LogPriority } from '../log/daemonLog.ts';
import { arr, fail, fd, int, num, obj, str, StateError } from './check.ts';

export { StateError } from './check.ts';

/**
 * The format this image writes. Every released format keeps a fixture in test/fixtures/state/
 * that this image must load. 2: the engine's instances as JobWire (environments in one string table).
 */
export const STATE_FORMAT = 2;

/** The daemon's own handles and tables: the control socket, the notify socket and the STATUS= table. */
export interface DaemonWire {
  controlFd: number;
  notifyFd?: number;
  notifyStatus: Array<[string, string, string]>;
  /** The job environment as the first image started with it (what `initctl reset-env` goes back to). */
  defaultJobEnv: Array<[string, string]>;
  /** The system init's runlevel and the one before (docs/machine.md); absent from older images or a session init. */
  runlevel?: [string, string];
  /** The daemon log's priority as `initctl log-priority` left it; absent from older images. */
  logPriority?: LogPriority;
  /** The fd store (socket activation): each name and the fd it holds, kept open across the exec; absent from older images. */
  fdStore?: Array<[string, number]>;
  /** The message bus the daemon had joined (its D-Bus address), joined again by the new image; absent: none, or an older image. */
  bus?: string;
}

export interface StateParts {
  engine: EngineSnapshot;
  process: ProcessWire;
  logs: LogsWire;
  /** null: the old image had no job cgroups. */
  cgroups: CgroupsWire | null;
  journal: JournalWire;
  daemon: DaemonWire;
}

export interface StateEnvelope {
  format: number;
  /** The version of the image that wrote it (for the log; the format decides what can be read). */
  version: string;
  /** Wall-clock ms and CLOCK_MONOTONIC ns (as a decimal string) when it was taken: the new image re-bases times on them. */
  wall: number;
  monotonicNs: string;
  parts: StateParts;
}

function checkDaemonWire(v: unknown, where = 'daemon'): DaemonWire {
  const w = obj(v, where);
  fd(w.controlFd, `${where}.controlFd`);
  if (w.notifyFd !== undefined) fd(w.notifyFd, `${where}.notifyFd`);
  arr(w.notifyStatus, `${where}.notifyStatus`).forEach((t, i) => {
    const e = arr(t, `${where}.notifyStatus[${i}]`);
    for (let k = 0; k < 3; k++) str(e[k], `${where}.notifyStatus[${i}][${k}]`);
  });
  arr(w.defaultJobEnv, `${where}.defaultJobEnv`).forEach((t, i) => {
    const e = arr(t, `${where}.defaultJobEnv[${i}]`);
    for (let k = 0; k < 2; k++) str(e[k], `${where}.defaultJobEnv[${i}][${k}]`);
  });
  if (w.logPriority !== undefined && !(LOG_PRIORITIES as readonly string[]).includes(str(w.logPriority, `${where}.logPriority`))) fail(`${where}.logPriority`, `unknown priority ${JSON.stringify(w.logPriority)}`);
  if (w.runlevel !== undefined) {
    const r = arr(w.runlevel, `${where}.runlevel`);
    for (let k = 0; k < 2; k++) str(r[k], `${where}.runlevel[${k}]`);
  }
  if (w.fdStore !== undefined) {
    const names = new Set<string>();
    arr(w.fdStore, `${where}.fdStore`).forEach((t, i) => {
      const e = arr(t, `${where}.fdStore[${i}]`);
      const name = str(e[0], `${where}.fdStore[${i}][0]`);
      if (names.has(name)) fail(`${where}.fdStore[${i}][0]`, `${JSON.stringify(name)} named twice`);
      names.add(name);
      fd(e[1], `${where}.fdStore[${i}][1]`);
    });
  }
  if (w.bus !== undefined && str(w.bus, `${where}.bus`) === '') fail(`${where}.bus`, 'expected a D-Bus address');
  return w as unknown as DaemonWire;
}

/**
 * Older formats, upgraded on load to the next one: UPGRADES[n] turns format n into n+1 (what is
 * not as expected is left for the checks of the current format to name).
 */
const UPGRADES: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  // 1 → 2: the engine part's version 1 (instances with their environments spelt out) → version 2.
  1: (old) => {
    const parts = old.parts;
    if (typeof parts !== 'object' || parts === null) return old;
    return { ...old, parts: { ...parts, engine: upgradeSnapshotV1((parts as Record<string, unknown>).engine) } };
  },
};

/** Reads a state document: parses it, upgrades an older format, and checks every part. Throws StateError. */
export function decodeState(text: string): StateEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StateError('corrupt', `not a state document: ${(err as Error).message}`);
  }
  let doc = obj(raw, 'state');
  let format = int(doc.format, 'state.format', 1);
  if (format > STATE_FORMAT) throw new StateError('newer', `state format ${format} is newer than this image knows (${STATE_FORMAT})`);
  while (format < STATE_FORMAT) {
    const up = UPGRADES[format];
    if (up === undefined) throw new StateError('invalid', `state format ${format} cannot be upgraded`);
    doc = up(doc);
    format++;
  }
  str(doc.version, 'state.version');
  num(doc.wall, 'state.wall');
  if (!/^\d+$/.test(str(doc.monotonicNs, 'state.monotonicNs'))) throw new StateError('invalid', 'state.monotonicNs: expected decimal nanoseconds');
  const p = obj(doc.parts, 'state.parts');
  const parts: StateParts = {
    engine: checkEngineSnapshot(p.engine, 'parts.engine'),
    process: checkProcessWire(p.process, 'parts.process'),
    logs: checkLogsWire(p.logs, 'parts.logs'),
    cgroups: p.cgroups === null ? null : checkCgroupsWire(p.cgroups, 'parts.cgroups'),
    journal: checkJournalWire(p.journal, 'parts.journal'),
    daemon: checkDaemonWire(p.daemon, 'parts.daemon'),
  };
  return { format, version: doc.version as string, wall: doc.wall as number, monotonicNs: doc.monotonicNs as string, parts };
}

export function encodeState(s: StateEnvelope): string {
  return JSON.stringify(s);
}

/** Every fd the state names (they must stay open across the exec, and only they). */
export function keptFds(s: StateEnvelope): number[] {
  const fds = [s.parts.daemon.controlFd];
  if (s.parts.daemon.notifyFd !== undefined) fds.push(s.parts.daemon.notifyFd);
  for (const [, f] of s.parts.daemon.fdStore ?? []) fds.push(f);
  for (const e of s.parts.logs.entries) fds.push(...e.masters);
  return fds;
}

/** Milliseconds since the state was taken, by CLOCK_MONOTONIC (the same clock in both images). */
export function msSince(s: StateEnvelope, nowNs: bigint = process.hrtime.bigint()): number {
  return Number(nowNs - BigInt(s.monotonicNs)) / 1e6;
}
