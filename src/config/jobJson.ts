// jobToJson: a JobClassSpec as plain JSON with a fixed, documented key order (init-checkconf --json, change detection).
import { PROCESS_NAMES, RLIMIT_NAMES, type JobClassSpec } from '../model/jobClass.ts';

/**
 * Every field of JobClassSpec, always in this order; optional fields that are unset are left out,
 * processes and limits are listed in Upstart's order. Field meanings: docs/job-language.md.
 */
export function jobToJson(spec: JobClassSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: spec.name };
  const put = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  put('path', spec.path);
  put('description', spec.description);
  put('author', spec.author);
  put('version', spec.version);
  put('usage', spec.usage);
  put('start', spec.start);
  put('stop', spec.stop);
  out.manual = spec.manual;
  out.emits = spec.emits;
  out.env = spec.env.map((e) => (e.value === undefined ? { key: e.key } : { key: e.key, value: e.value }));
  out.export = spec.export;
  out.imports = spec.imports;
  out.tmpfiles = spec.tmpfiles;
  put('instance', spec.instance);
  out.task = spec.task;
  out.respawn = spec.respawn;
  put('respawnLimit', spec.respawnLimit);
  out.normalExit = { statuses: spec.normalExit.statuses, signals: spec.normalExit.signals };
  const process: Record<string, unknown> = {};
  for (const p of PROCESS_NAMES) {
    const ps = spec.process[p];
    if (ps !== undefined) process[p] = { kind: ps.kind, command: ps.command, line: ps.line };
  }
  out.process = process;
  // Ours (`action NAME`): only when the file defines some, so Upstart jobs' JSON is unchanged.
  if (spec.actions !== undefined && Object.keys(spec.actions).length > 0) {
    const actions: Record<string, unknown> = {};
    for (const [name, a] of Object.entries(spec.actions)) actions[name] = { kind: a.kind, command: a.command, line: a.line };
    out.actions = actions;
  }
  put('console', spec.console);
  put('umask', spec.umask);
  put('nice', spec.nice);
  put('oomScore', spec.oomScore);
  put('chroot', spec.chroot);
  put('chdir', spec.chdir);
  const limits: Record<string, unknown> = {};
  for (const r of RLIMIT_NAMES) {
    const l = spec.limits[r];
    if (l !== undefined) limits[r] = { soft: l.soft, hard: l.hard };
  }
  out.limits = limits;
  put('setuid', spec.setuid);
  put('setgid', spec.setgid);
  const apparmor: Record<string, string> = {};
  if (spec.apparmor.load !== undefined) apparmor.load = spec.apparmor.load;
  if (spec.apparmor.switch !== undefined) apparmor.switch = spec.apparmor.switch;
  out.apparmor = apparmor;
  out.cgroups = spec.cgroups;
  out.expect = spec.expect;
  out.killSignal = spec.killSignal;
  out.killTimeout = spec.killTimeout;
  put('killMode', spec.killMode);
  put('readyTimeout', spec.readyTimeout);
  put('watchdog', spec.watchdog);
  put('notificationFd', spec.notificationFd);
  out.reloadSignal = spec.reloadSignal;
  out.debug = spec.debug;
  return out;
}
