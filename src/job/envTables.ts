// The job environment tables of initctl(8): the global one, and each live instance's own (its environment).
import { envKey, envMerge, envValue } from '../events/envList.ts';
import { EngineError, type EnvScope } from '../model/engineApi.ts';
import { buildJobEnv, type EnvContext } from './environment.ts';
import type { JobRecord } from './job.ts';
import type { JobTable } from './jobTable.ts';
import { instanceLabel } from '../model/instanceRef.ts';

const byKey = ([a]: [string, string], [b]: [string, string]): number => (a < b ? -1 : a > b ? 1 : 0);

/** Live instances: those whose environment was built (every state but waiting). */
function live(table: JobTable): JobRecord[] {
  return [...table.jobs.values()].filter((j) => j.state !== 'waiting');
}

/** The instance a job-scoped request names; EngineError unknown-job / unknown-instance when it is not live. */
function instanceOf(table: JobTable, job: string, instance: string): JobRecord {
  if (!table.classRecs.has(job)) throw new EngineError('unknown-job', `Unknown job: ${job}`);
  const j = table.instance(job, instance);
  if (j === undefined || j.state === 'waiting') {
    throw new EngineError('unknown-instance', `Unknown instance: ${instanceLabel(job, instance)}`);
  }
  return j;
}

/** An instance's environment as a table (the last value of a repeated key wins, as for its processes). */
function tableOf(j: JobRecord): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of j.env) m.set(envKey(e), envValue(e));
  return m;
}

export class EnvTables {
  constructor(
    private readonly table: JobTable,
    private readonly ctx: EnvContext,
  ) {}

  /** The table a scope names, sorted by name. */
  list(scope: EnvScope): Array<[string, string]> {
    const m = scope.kind === 'global' ? this.ctx.jobEnv : tableOf(instanceOf(this.table, scope.job, scope.instance));
    return [...m].sort(byKey);
  }

  /**
   * Sets variables. Global: the global table (used by instances that start from now on) and every
   * live instance's table; instance: that instance's only, seen by its processes started from now on.
   * `retain` leaves a variable a table already has.
   */
  set(scope: EnvScope, pairs: ReadonlyArray<[string, string]>, retain: boolean): void {
    const targets = this.targets(scope);
    if (scope.kind === 'global') {
      for (const [k, v] of pairs) if (!(retain && this.ctx.jobEnv.has(k))) this.ctx.jobEnv.set(k, v);
    }
    for (const j of targets) {
      const have = tableOf(j);
      const add = pairs.filter(([k]) => !(retain && have.has(k))).map(([k, v]) => `${k}=${v}`);
      j.env = envMerge(j.env, add);
    }
  }

  /** Removes variables from the same tables as set(); `retain` leaves a variable a table has (initctl(8)). */
  unset(scope: EnvScope, names: readonly string[], retain: boolean): void {
    const targets = this.targets(scope);
    if (scope.kind === 'global') {
      for (const k of names) if (!(retain && this.ctx.jobEnv.has(k))) this.ctx.jobEnv.delete(k);
    }
    for (const j of targets) {
      const have = tableOf(j);
      const drop = new Set(names.filter((k) => !(retain && have.has(k))));
      j.env = j.env.filter((e) => !drop.has(envKey(e)));
    }
  }

  /**
   * Discards changes. Global: the global table becomes `defaults` (live instances keep theirs, as
   * initctl(8) says); instance: its environment is built again as at its starting, from its class,
   * the global table as it is now and the environment it was started with.
   */
  reset(scope: EnvScope, defaults: ReadonlyMap<string, string>): void {
    if (scope.kind === 'global') {
      this.ctx.jobEnv.clear();
      for (const [k, v] of defaults) this.ctx.jobEnv.set(k, v);
      return;
    }
    const j = instanceOf(this.table, scope.job, scope.instance);
    j.env = buildJobEnv(this.table.specOf(j), this.ctx, j.startEnv, j.instance);
  }

  private targets(scope: EnvScope): JobRecord[] {
    return scope.kind === 'global' ? live(this.table) : [instanceOf(this.table, scope.job, scope.instance)];
  }
}
