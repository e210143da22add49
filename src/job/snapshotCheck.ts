// Reading an engine snapshot back from a re-exec state: every field checked (StateError naming it) before an engine is built on it.
import { PROCESS_NAMES } from '../model/jobClass.ts';
import { GOALS, STATES } from '../model/state.ts';
import { arr, bool, fail, int, num, obj, str, strs, type Obj } from '../state/check.ts';
import type { EngineSnapshot } from './snapshot.ts';

const WORK_KINDS = new Set(['exit', 'exec', 'ready', 'resume-tmpfiles', 'shutdown', 'kill-timeout', 'tmpfiles']);

function indexes(v: unknown, where: string, size: number): void {
  arr(v, where).forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= size) fail(`${where}[${i}]`, `expected an index into strings (0 to ${size - 1})`);
  });
}

function job(v: unknown, where: string, versions: Obj, strings: number): void {
  const j = obj(v, where);
  int(j.id, `${where}.id`);
  str(j.name, `${where}.name`);
  str(j.instance, `${where}.instance`);
  const ver = int(j.version, `${where}.version`);
  if (versions[String(ver)] === undefined) fail(`${where}.version`, `no class version ${ver} in the state`);
  if (!(GOALS as readonly unknown[]).includes(j.goal)) fail(`${where}.goal`, `unknown goal ${JSON.stringify(j.goal)}`);
  if (!(STATES as readonly unknown[]).includes(j.state)) fail(`${where}.state`, `unknown state ${JSON.stringify(j.state)}`);
  indexes(j.env, `${where}.env`, strings);
  indexes(j.startEnv, `${where}.startEnv`, strings);
  indexes(j.stopEnv, `${where}.stopEnv`, strings);
  arr(j.blocking, `${where}.blocking`);
  const pids = obj(j.pids, `${where}.pids`);
  for (const [p, list] of Object.entries(pids)) {
    if (!(PROCESS_NAMES as readonly string[]).includes(p)) fail(`${where}.pids`, `unknown process ${JSON.stringify(p)}`);
    arr(list, `${where}.pids.${p}`).forEach((pid, i) => int(pid, `${where}.pids.${p}[${i}]`, 1));
  }
  bool(j.failed, `${where}.failed`);
  int(j.respawnCount, `${where}.respawnCount`);
  num(j.respawnSince, `${where}.respawnSince`);
  if (j.killDeadline !== undefined) num(j.killDeadline, `${where}.killDeadline`);
  if (j.readyDeadline !== undefined) num(j.readyDeadline, `${where}.readyDeadline`);
  if (j.blocker !== undefined) int(j.blocker, `${where}.blocker`);
}

/** The snapshot as EngineSnapshot, or a StateError naming the first wrong field. */
export function checkEngineSnapshot(v: unknown, where = 'engine'): EngineSnapshot {
  const s = obj(v, where);
  if (s.version !== 2) fail(`${where}.version`, `engine snapshot version ${JSON.stringify(s.version)} is not known (2 is; 1 is upgraded with the state format)`);
  num(s.takenAt, `${where}.takenAt`);
  bool(s.legacyConditions, `${where}.legacyConditions`);
  const classes = obj(s.classes, `${where}.classes`);
  const versions = obj(s.versions, `${where}.versions`);
  for (const [k, cv] of Object.entries(versions)) {
    const c = obj(cv, `${where}.versions.${k}`);
    if (int(c.version, `${where}.versions.${k}.version`) !== Number(k)) fail(`${where}.versions.${k}.version`, 'does not match its key');
    str(obj(c.spec, `${where}.versions.${k}.spec`).name, `${where}.versions.${k}.spec.name`);
    bool(c.current, `${where}.versions.${k}.current`);
  }
  for (const [name, rec] of Object.entries(classes)) {
    const cur = obj(rec, `${where}.classes.${name}`).current;
    if (cur !== undefined && versions[String(int(cur, `${where}.classes.${name}.current`))] === undefined) {
      fail(`${where}.classes.${name}.current`, `no class version ${String(cur)} in the state`);
    }
  }
  obj(s.startConditions, `${where}.startConditions`);
  arr(s.armed, `${where}.armed`).forEach((o, i) => str(obj(o, `${where}.armed[${i}]`).kind, `${where}.armed[${i}].kind`));
  const strings = strs(s.strings, `${where}.strings`).length;
  arr(s.jobs, `${where}.jobs`).forEach((j, i) => job(j, `${where}.jobs[${i}]`, versions, strings));
  arr(s.events, `${where}.events`).forEach((e, i) => {
    const ev = obj(e, `${where}.events[${i}]`);
    int(ev.id, `${where}.events[${i}].id`);
    str(ev.name, `${where}.events[${i}].name`);
    strs(ev.env, `${where}.events[${i}].env`);
    num(ev.at, `${where}.events[${i}].at`);
  });
  arr(s.pending, `${where}.pending`).forEach((id, i) => int(id, `${where}.pending[${i}]`));
  arr(s.finishing, `${where}.finishing`).forEach((id, i) => int(id, `${where}.finishing[${i}]`));
  arr(s.work, `${where}.work`).forEach((w, i) => {
    const kind = str(obj(w, `${where}.work[${i}]`).kind, `${where}.work[${i}].kind`);
    if (!WORK_KINDS.has(kind)) fail(`${where}.work[${i}].kind`, `unknown work ${JSON.stringify(kind)}`);
  });
  const reg = obj(s.registry, `${where}.registry`);
  for (const [name, m] of Object.entries(reg)) {
    for (const [inst, e] of Object.entries(obj(m, `${where}.registry.${name}`))) num(obj(e, `${where}.registry.${name}.${inst}`).at, `${where}.registry.${name}.${inst}.at`);
  }
  arr(s.jobEnv, `${where}.jobEnv`).forEach((p, i) => {
    const pair = arr(p, `${where}.jobEnv[${i}]`);
    if (pair.length !== 2) fail(`${where}.jobEnv[${i}]`, 'expected [name, value]');
    str(pair[0], `${where}.jobEnv[${i}][0]`);
    str(pair[1], `${where}.jobEnv[${i}][1]`);
  });
  int(s.nextId, `${where}.nextId`);
  bool(s.shuttingDown, `${where}.shuttingDown`);
  return s as unknown as EngineSnapshot;
}
