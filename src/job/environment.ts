// A job's environment per init(5): built-ins and the job env table, env stanzas, start env (import-filtered), UPSTART_*.
import { envGet, envKey, envLookup, envMerge } from '../events/envList.ts';
import { expandVars } from '../events/expand.ts';
import type { JobClassSpec } from '../model/jobClass.ts';
import type { JobRecord, ProcessExit } from './job.ts';

export interface EnvContext {
  /** The global job environment table (initctl set-env); seeded with PATH and TERM. */
  jobEnv: EnvTable;
  /** init's own environment, for `env KEY` without a value. */
  inherited: Record<string, string>;
  /** UPSTART_SESSION and friends, given by the daemon. */
  session: string[];
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Keys the engine itself sets; never filtered by `import`. */
const ENGINE_KEYS = new Set(['UPSTART_EVENTS', 'UPSTART_STOP_EVENTS']);

/** A job env table as KEY=VALUE strings, and where each key sits in them. */
interface Listed {
  version: number;
  strings: readonly string[];
  index: Map<string, number>;
}

/**
 * The global job env table: a Map that counts its changes and keeps its KEY=VALUE list, made again only after a
 * change. In session mode it holds init's whole environment: a string per entry per instance was some 470 KiB of
 * heap with 200 services, and checking the list against every entry ran for every job start (docs/performance.md).
 * With the key index a start merges its few entries by lookup instead of searching the list for each. One list per
 * table, not one per class (1,000 classes each holding a copy was 8 MiB). Anything that changes it (initctl
 * set-env, a re-exec's restore) goes through set, delete or clear.
 */
export class EnvTable extends Map<string, string> {
  version = 0;
  private last: Listed | undefined;
  override set(k: string, v: string): this {
    this.version++;
    return super.set(k, v);
  }
  override delete(k: string): boolean {
    this.version++;
    return super.delete(k);
  }
  override clear(): void {
    this.version++;
    super.clear();
  }
  /** The list and its index as of now; callers only read them (envMerge and mergeOverTable copy). */
  listed(): Listed {
    if (this.last !== undefined && this.last.version === this.version) return this.last;
    const strings: string[] = [];
    const index = new Map<string, number>();
    // forEach, not for-of: no entry array and no iterator result per entry.
    this.forEach((v, k) => {
      index.set(k, strings.length);
      strings.push(`${k}=${v}`);
    });
    this.last = { version: this.version, strings, index };
    return this.last;
  }
}

/** The class's env stanzas as entries (`env KEY` without a value takes init's own, if it has one). */
function stanzaEntries(spec: JobClassSpec, ctx: EnvContext): string[] {
  const stanzas: string[] = [];
  for (const e of spec.env) {
    if (e.value !== undefined) stanzas.push(`${e.key}=${e.value}`);
    else if (ctx.inherited[e.key] !== undefined) stanzas.push(`${e.key}=${ctx.inherited[e.key]}`);
  }
  return stanzas;
}

/** The job env table followed by the class's env stanzas (defaults an event or command may override). */
export function classDefaults(spec: JobClassSpec, ctx: EnvContext): string[] {
  return envMerge(ctx.jobEnv.listed().strings, stanzaEntries(spec, ctx));
}

/** envMerge(table list, ...layers), finding each key by the table's index (what setInPlace finds by search). */
function mergeOverTable(t: Listed, layers: ReadonlyArray<readonly string[]>): string[] {
  const out = t.strings.slice();
  let added: Map<string, number> | undefined;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    for (let i = 0; i < layer.length; i++) {
      const e = layer[i]!;
      const eq = e.indexOf('=');
      const k = eq < 0 ? e : e.slice(0, eq);
      let at = t.index.get(k);
      if (at === undefined && added !== undefined) at = added.get(k);
      if (at === undefined) {
        (added ??= new Map()).set(k, out.length);
        out.push(e);
      } else {
        out[at] = e;
      }
    }
  }
  return out;
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
  const env = mergeOverTable(ctx.jobEnv.listed(), [stanzaEntries(spec, ctx), filterImports(spec, startEnv)]);
  const r = expandVars(spec.instance, envLookup(env));
  return 'missing' in r ? r : { name: r.value };
}

/** The full environment of a job instance at starting. */
export function buildJobEnv(spec: JobClassSpec, ctx: EnvContext, startEnv: readonly string[], instance: string): string[] {
  return mergeOverTable(ctx.jobEnv.listed(), [
    stanzaEntries(spec, ctx),
    filterImports(spec, startEnv),
    [`UPSTART_JOB=${spec.name}`, `UPSTART_INSTANCE=${instance}`],
    ctx.session,
  ]);
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
