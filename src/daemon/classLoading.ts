// Job files into the engine's classes: a whole load, the watcher's changes, and who is told when the set changes.
import type { ConfChange, LoadResult } from '../config/sources.ts';
import type { Engine } from '../job/engine.ts';
import type { JobClassSpec } from '../model/jobClass.ts';

export interface ClassLoadingHost {
  engine: () => Engine;
  log: { error(msg: string): void; info(msg: string): void };
  /** The set of classes changed (D-Bus JobAdded/JobRemoved); the watchers added here are told after it. */
  changed: () => void;
}

export class ClassLoading {
  private readonly watchers = new Set<() => void>();

  constructor(private readonly host: ClassLoadingHost) {}

  /** Calls fn whenever the job classes change (watch-config streams); returns the unsubscribe function. */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => {
      this.watchers.delete(fn);
    };
  }

  /**
   * Makes the engine's classes exactly those of a whole load (running instances keep theirs).
   * onlyChanged (after a re-exec): a class whose job file is as the state has it is left alone,
   * so its start condition keeps the events it has seen.
   */
  applyLoad(result: LoadResult, onlyChanged = false): void {
    for (const e of result.errors) this.host.log.error(String(e));
    this.applySpecs(result.classes.values(), onlyChanged);
    this.removeClassesNotIn(result);
  }

  applySpecs(specs: Iterable<JobClassSpec>, onlyChanged: boolean): void {
    const engine = this.host.engine();
    for (const spec of specs) {
      const cur = onlyChanged ? engine.getClass(spec.name) : undefined;
      if (cur !== undefined && JSON.stringify(cur) === JSON.stringify(spec)) continue;
      this.addClass(spec);
    }
  }

  removeClassesNotIn({ classes }: LoadResult): void {
    const engine = this.host.engine();
    const seen = new Set<string>();
    for (const spec of classes.values()) seen.add(spec.name);
    for (const spec of engine.classes()) {
      if (!seen.has(spec.name)) engine.removeClass(spec.name);
    }
    this.changed();
  }

  /** What the conf dir watcher saw change. */
  applyChange(change: ConfChange): void {
    for (const e of change.errors) this.host.log.error(String(e));
    for (const spec of [...change.added, ...change.changed]) {
      this.host.log.info(`${change.added.includes(spec) ? 'loaded' : 'reloaded'} job ${spec.name}`);
      this.addClass(spec);
    }
    for (const name of change.removed) {
      this.host.log.info(`removed job ${name}`);
      this.host.engine().removeClass(name);
    }
    this.changed();
  }

  private changed(): void {
    this.host.changed();
    for (const fn of this.watchers) fn();
  }

  private addClass(spec: JobClassSpec): void {
    try {
      this.host.engine().addOrReplaceClass(spec);
    } catch (err) {
      this.host.log.error(`${spec.path ?? spec.name}: ${(err as Error).message}`);
    }
  }
}
