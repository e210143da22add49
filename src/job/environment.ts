// A job's environment per init(5): built-ins and the job env table, env stanzas, start env (import-filtered), UPSTART_*.
import { envGet, envKey, envLookup, envMerge } from '../events/envList.ts';
import { expandVars } from '../events/expand.ts';
import type { JobClassSpec } from '../model/jobClass.ts';
import type { JobRecord, ProcessExit } from './job.ts';

export interface EnvContext {
  /** The global job environment table (initctl set-env); seeded with PATH and TERM. */
  jobEnv: Map<string, string>;
  /** init's own environment, for `env KEY` without a value. */
  inherited: Record<string, string>;
  /** UPSTART_SESSION and friends, given by the daemon. */
  session: string[];
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Keys the engine itself sets; never filtered by `import`. */
const ENGINE_KEYS = new Set(['UPSTART_EVENTS', 'UPSTART_STOP_EVENTS']);

/** The last KEY=VALUE list made of each job env table, with the pairs it was made of. */
const joined = new WeakMap<ReadonlyMap<string, string>, { pairs: Array<[string, string]>; strings: readonly string[] }>();

/**
 * The table as KEY=VALUE strings, made again only when the table changed (initctl set-env changes it in place):
 * in session mode it holds the whole environment the daemon started with, and a string per entry per instance
 * was some 470 KiB of heap with 200 services (docs/performance.md). Callers only read it (envMerge copies).
 */
function tableStrings(table: ReadonlyMap<string, string>): readonly string[] {
  const last = joined.get(table);
  if (last !== undefined && last.pairs.length === table.size) {
    // forEach, not for-of: no entry array and no iterator result per entry (this runs several times per
    // start; for-of was 8 KiB of garbage a task in a 500-task burst under the interpreter).
    let i = 0;
    let same = true;
    table.forEach((v, k) => {
      const p = last.pairs[i++]!;
      if (p[0] !== k || p[1] !== v) same = false;
    });
    if (same) return last.strings;
  }
  const pairs = [...table];
  const strings = pairs.map(([k, v]) => `${k}=${v}`);
  joined.set(table, { pairs, strings });
  return strings;
}

/** The job env table followed by the class's env stanzas (defaults an event or command may override). */
export function classDefaults(spec: JobClassSpec, ctx: EnvContext): string[] {
  const base = tableStrings(ctx.jobEnv);
  const stanzas: string[] = [];
  for (const e of spec.env) {
    if (e.value !== undefined) stanzas.push(`${e.key}=${e.value}`);
    else if (ctx.inherited[e.key] !== undefined) stanzas.push(`${e.key}=${ctx.inherited[e.key]}`);
  }
  return envMerge(base, stanzas);
}

/**
 * Chromium OS `import`: a class with import stanzas takes only the imported variables from the
 * events and the command that start (or stop) it; without import stanzas it takes them all.
 */
export function filterImports(spec: JobClassSpec, env: readonly string[]): string[] {
  if (spec.imports.length === 0) return [...env];
  const allowed = new Set(spec.imports);
  return env.filter((e) => allowed.has(envKey(e)) || ENGINE_KEYS.has(envKey(e)));
}

/** The instance name for a start env: `instance` expanded over defaults + start env ('' without it). */
export function instanceName(spec: JobClassSpec, ctx: EnvContext, startEnv: readonly string[]): { name: string } | { missing: string } {
  if (spec.instance === undefined) return { name: '' };
  const env = envMerge(classDefaults(spec, ctx), filterImports(spec, startEnv));
  const r = expandVars(spec.instance, envLookup(env));
  return 'missing' in r ? r : { name: r.value };
}

/** The full environment of a job instance at starting. */
export function buildJobEnv(spec: JobClassSpec, ctx: EnvContext, startEnv: readonly string[], instance: string): string[] {
  return envMerge(
    classDefaults(spec, ctx),
    filterImports(spec, startEnv),
    [`UPSTART_JOB=${spec.name}`, `UPSTART_INSTANCE=${instance}`],
    ctx.session,
  );
}

/**
 * RESULT, PROCESS and EXIT_STATUS / EXIT_SIGNAL for stopping, stopped and post-stop (DESIGN §3.2).
 * `mainRunning`: the main process is still alive (a `stopping` for a stop by request): nothing has
 * ended yet, so PROCESS=main names the process being stopped and no EXIT_* can be given; stopped and
 * post-stop then carry how it ended (EXIT_SIGNAL=TERM, or the status it chose to exit with).
 */
export function resultEnv(job: JobRecord, mainRunning: boolean): string[] {
  const out = [`RESULT=${job.failed ? 'failed' : 'ok'}`];
  const exit: ProcessExit | undefined = job.lastExit;
  let process = job.failed ? job.failedProcess : exit?.process;
  if (process === undefined && mainRunning) process = 'main';
  if (process !== undefined) out.push(`PROCESS=${process}`);
  if (exit !== undefined && (!job.failed || exit.process === job.failedProcess || job.failedProcess === 'respawn')) {
    if (exit.status !== undefined) out.push(`EXIT_STATUS=${exit.status}`);
    else if (exit.signal !== undefined) out.push(`EXIT_SIGNAL=${exit.signal}`);
  }
  // Our addition: a process that could not be spawned says why (an exec error, a cgroup limit the machine refused).
  if (job.failed && job.spawnError !== undefined) out.push(`SPAWN_ERROR=${job.spawnError.replace(/\n/g, ' ')}`);
  return out;
}

/** `export KEY`: the job's values of the exported keys, for its lifecycle events. */
export function exportedEnv(spec: JobClassSpec, env: readonly string[]): string[] {
  const out: string[] = [];
  for (const k of spec.export) {
    const v = envGet(env, k);
    if (v !== undefined) out.push(`${k}=${v}`);
  }
  return out;
}
