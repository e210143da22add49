// The engine's whole state as versioned plain data (for stateful re-exec), and rebuilding a fresh engine from it.
import type { Owner } from '../events/armedConditions.ts';
import type { ConditionState } from '../events/conditionState.ts';
import type { EventRecord } from '../events/event.ts';
import type { Registry } from '../events/lifecycle.ts';
import { PROCESS_NAMES } from '../model/jobClass.ts';
import type { CommandWork } from './commands.ts';
import type { EngineCore, Work } from './core.ts';
import type { ClassVersion } from './job.ts';
import { jobFromWire, jobToWire, StringTable, type JobWire } from './jobWire.ts';

/**
 * Version 2 (version 1 had JobRecords as they are, environments spelt out: upgradeSnapshotV1). Times are the old process's monotonic milliseconds; `takenAt` lets a restore re-base
 * deadlines (kill timeouts, respawn windows) on the new clock. Commands in flight and emit/start
 * --wait callers are not carried (their clients do not survive a re-exec); everything else is.
 */
export interface EngineSnapshot {
  version: 2;
  takenAt: number;
  legacyConditions: boolean;
  classes: Record<string, { current?: number }>;
  versions: Record<number, ClassVersion>;
  startConditions: Record<string, ConditionState>;
  /** Every armed condition's owner, oldest arming first (the order events visit them in). */
  armed: Owner[];
  /** The strings the instances' environments name by index. */
  strings: string[];
  jobs: JobWire[];
  events: EventRecord[];
  /** Event ids queued, not yet handled; and handled ones due to finish. */
  pending: number[];
  finishing: number[];
  work: Array<Exclude<Work, CommandWork>>;
  registry: Registry;
  jobEnv: Array<[string, string]>;
  nextId: number;
  shuttingDown: boolean;
}

const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/**
 * detached (the default): plain data of its own. Not detached: it shares objects with the live
 * engine, for a caller that encodes it before the engine moves on (the re-exec, which cannot
 * afford a second copy of a large state).
 */
export function takeSnapshot(core: EngineCore, detached = true): EngineSnapshot {
  const table = new StringTable();
  const jobs = [...core.table.jobs.values()].map((j) => jobToWire(j, table));
  const snap: EngineSnapshot = {
    version: 2,
    takenAt: core.clock.now(),
    legacyConditions: core.conds.mode === 'legacy',
    classes: Object.fromEntries(core.table.classRecs),
    versions: Object.fromEntries(core.table.versions),
    startConditions: core.conds.startConditions(),
    armed: core.conds.order(),
    strings: table.strings,
    jobs,
    events: [...core.queue.events.values()],
    pending: core.queue.pending.toArray(),
    finishing: core.queue.finishing.toArray(),
    work: core.work.toArray().filter((w): w is Exclude<Work, CommandWork> => w.kind !== 'command'),
    registry: core.registry,
    jobEnv: [...core.envCtx.jobEnv],
    nextId: core.nextId,
    shuttingDown: core.stopping,
  };
  return detached ? copy(snap) : snap;
}

/** An engine snapshot of version 1 (environments spelt out in each instance) as version 2; what is not as expected is left for the check to name. */
export function upgradeSnapshotV1(v1: unknown): unknown {
  if (typeof v1 !== 'object' || v1 === null) return v1;
  const s = v1 as Record<string, unknown>;
  if (s.version !== 1 || !Array.isArray(s.jobs)) return v1;
  const table = new StringTable();
  const intern = (v: unknown): unknown => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.map((x: string) => table.ref(x)) : v);
  const jobs = s.jobs.map((j: unknown) => {
    if (typeof j !== 'object' || j === null) return j;
    const r = j as Record<string, unknown>;
    return { ...r, env: intern(r.env), startEnv: intern(r.startEnv), stopEnv: intern(r.stopEnv) };
  });
  return { ...s, version: 2, strings: table.strings, jobs };
}

/**
 * Loads a snapshot into a freshly constructed core (same mode), re-arms timers and schedules a
 * drain. owned: the snapshot is the caller's to give away (just decoded), the engine takes its
 * objects instead of copying them.
 */
export function restoreEngine(core: EngineCore, snapshot: EngineSnapshot, owned = false): void {
  const s = owned ? snapshot : copy(snapshot);
  const now = core.clock.now();
  const shift = now - s.takenAt;
  for (const m of Object.values(s.registry)) for (const e of Object.values(m)) e.at += shift;
  Object.assign(core.registry, s.registry);
  core.envCtx.jobEnv.clear();
  for (const [k, v] of s.jobEnv) core.envCtx.jobEnv.set(k, v);
  for (const [name, rec] of Object.entries(s.classes)) core.table.classRecs.set(name, rec);
  for (const v of Object.values(s.versions)) core.table.versions.set(v.version, v);
  core.nextId = s.nextId;
  core.stopping = s.shuttingDown;

  for (const w of s.jobs) {
    const j = jobFromWire(w, s.strings);
    if (j.wait.kind === 'kill' || j.wait.kind === 'ready') {
      if (j.wait.deadline !== undefined) j.wait = { ...j.wait, deadline: j.wait.deadline + shift };
    }
    if (j.respawnCount > 0) j.respawnSince += shift;
    core.table.add(j);
    for (const p of PROCESS_NAMES) for (const pid of j.pids[p] ?? []) core.machine.procs.pidIndex.set(pid, { job: j, process: p });
  }
  for (const owner of s.armed) {
    const j = owner.kind === 'start' ? undefined : core.table.jobs.get(owner.id);
    const ready = j?.wait.kind === 'ready' && j.wait.by === 'condition' ? j.wait.cond : undefined;
    const cond = owner.kind === 'start' ? s.startConditions[owner.job] : owner.kind === 'stop' ? j?.stop : ready;
    if (cond !== undefined) core.conds.set(owner, cond);
  }
  for (const ev of s.events) {
    ev.at += shift;
    core.queue.restore(ev);
  }
  for (const id of s.pending) core.queue.pending.push(id);
  for (const id of s.finishing) core.queue.finishing.push(id);
  for (const w of s.work) core.work.push(w);

  for (const j of core.table.jobs.values()) {
    const w = j.wait;
    if (j.state === 'killed' && w.kind === 'kill' && w.deadline !== undefined) core.machine.armKillTimer(j, w.deadline);
    if (w.kind === 'tmpfiles') core.work.push({ kind: 'resume-tmpfiles', job: j.id });
    if (j.state === 'spawned' && w.kind === 'ready' && w.deadline !== undefined) core.machine.armReadyTimer(j, w.deadline);
    // An exec outcome the old image never got (its spawner thread went with it): after any outcome
    // the state carries, the process is taken as exec'd; had its exec failed, its exit (127) follows.
    if (w.kind === 'exec') for (const pid of j.pids.main ?? []) core.work.push({ kind: 'exec', pid });
  }
  if (core.work.length > 0 || core.queue.pending.length > 0 || core.queue.finishing.length > 0) core.schedule();
}
