// The daemon's side of emit --dry-run and reload-configuration --dry-run: the live engine's copy, the files read (docs/actions.md).
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { planReload, type PlanInstance } from '../config/classDiff.ts';
import { loadConfDirs } from '../config/sources.ts';
import type { DryRunHooks } from '../control/hooks.ts';
import { simulateEmit } from '../job/dryRun.ts';
import type { Engine, EngineOptions } from '../job/engine.ts';
import { isEnvEntry } from '../events/envList.ts';
import { EngineError } from '../model/engineApi.ts';

export interface DryRunDeps {
  engine: () => Engine;
  /** The options the live engine was made with (its copy needs the same environment rules). */
  engineOptions: EngineOptions;
  confdirs: readonly string[];
}

/** Every live instance with the definition it runs. */
function liveInstances(engine: Engine): PlanInstance[] {
  const out: PlanInstance[] = [];
  const names = new Set(engine.classes().map((c) => c.name));
  // Instances of classes removed already keep a class record: status() still finds them.
  for (const e of engine.snapshot().jobs) names.add(e.name);
  for (const name of [...names].sort()) {
    let list;
    try {
      list = engine.status(name);
    } catch {
      continue;
    }
    for (const s of list) {
      const f = engine.instanceFacts(s.job, s.instance);
      if (f !== undefined) out.push({ job: s.job, instance: s.instance, goal: s.goal, state: s.state, spec: f.spec });
    }
  }
  return out;
}

export function dryRunHooks(d: DryRunDeps): DryRunHooks {
  return {
    emit: (name, env) => {
      if (!/^[^\s=]+$/.test(name)) throw new EngineError('invalid', `Invalid event name: ${JSON.stringify(name)}`);
      const bad = env.find((e) => !isEnvEntry(e) || e.includes('\0'));
      if (bad !== undefined) throw new EngineError('invalid', `Invalid environment entry: ${bad}`);
      return simulateEmit(d.engine().snapshot(), d.engineOptions, name, env);
    },
    reload: async (from) => {
      if (from !== undefined) {
        if (!isAbsolute(from)) throw new EngineError('invalid', `--from ${from}: give the directory as an absolute path (the daemon reads it, from its own working directory)`);
        let dir: boolean;
        try {
          dir = statSync(from).isDirectory();
        } catch (err) {
          throw new EngineError('invalid', `--from ${from}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
        }
        if (!dir) throw new EngineError('invalid', `--from ${from}: not a directory`);
      }
      const dirs = from === undefined ? [...d.confdirs] : [from];
      const r = await loadConfDirs(dirs);
      const engine = d.engine();
      return planReload(dirs, engine.classes(), r.classes, r.errors.map((e) => e.format()), liveInstances(engine));
    },
  };
}
