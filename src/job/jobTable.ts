// Job classes, their versions and live instances, indexed by class and instance name (no scans of all jobs).
import type { JobClassSpec } from '../model/jobClass.ts';
import type { ClassVersion, JobRecord } from './job.ts';

/**
 * Invariants: at most one live instance per (class, instance name); `byClass` holds exactly the
 * records of `jobs`; a version that is no longer current is dropped once no instance uses it; a
 * class record without a current version is dropped once it has no instance.
 */
export class JobTable {
  readonly classRecs = new Map<string, { current?: number }>();
  readonly versions = new Map<number, ClassVersion>();
  readonly jobs = new Map<number, JobRecord>();
  private readonly byClass = new Map<string, Map<string, JobRecord>>();
  /** Live instances per class version. */
  private readonly versionUse = new Map<number, number>();

  specOf(job: JobRecord): JobClassSpec {
    return this.versions.get(job.version)!.spec;
  }

  /** The current spec of a class (undefined once removed). */
  current(name: string): JobClassSpec | undefined {
    const v = this.classRecs.get(name)?.current;
    return v === undefined ? undefined : this.versions.get(v)?.spec;
  }

  /** The current spec, or the one a remaining instance of a removed class runs with. */
  anySpec(name: string): JobClassSpec | undefined {
    const cur = this.current(name);
    if (cur !== undefined) return cur;
    for (const j of this.byClass.get(name)?.values() ?? []) return this.specOf(j);
    return undefined;
  }

  currentSpecs(): JobClassSpec[] {
    const out: JobClassSpec[] = [];
    for (const rec of this.classRecs.values()) if (rec.current !== undefined) out.push(this.versions.get(rec.current)!.spec);
    return out;
  }

  /** Records a new current version of a class; retires the old one. */
  addVersion(spec: JobClassSpec, version: number): void {
    const rec = this.classRecs.get(spec.name) ?? {};
    this.retire(rec.current);
    this.versions.set(version, { version, spec, current: true });
    rec.current = version;
    this.classRecs.set(spec.name, rec);
  }

  /** The class is gone from the configuration; its instances keep their version until they stop. */
  removeClass(name: string): boolean {
    const rec = this.classRecs.get(name);
    if (rec === undefined) return false;
    this.retire(rec.current);
    delete rec.current;
    if (this.count(name) === 0) this.classRecs.delete(name);
    return true;
  }

  private retire(v: number | undefined): void {
    if (v === undefined) return;
    const cv = this.versions.get(v);
    if (cv === undefined) return;
    cv.current = false;
    if ((this.versionUse.get(v) ?? 0) === 0) this.versions.delete(v);
  }

  instancesOf(name: string): JobRecord[] {
    const m = this.byClass.get(name);
    return m === undefined ? [] : Array.from(m.values());
  }

  instance(name: string, instance: string): JobRecord | undefined {
    return this.byClass.get(name)?.get(instance);
  }

  count(name: string): number {
    return this.byClass.get(name)?.size ?? 0;
  }

  /** Adds a record (new, or restored from a snapshot). */
  add(j: JobRecord): void {
    this.jobs.set(j.id, j);
    let m = this.byClass.get(j.name);
    if (m === undefined) this.byClass.set(j.name, (m = new Map()));
    m.set(j.instance, j);
    this.versionUse.set(j.version, (this.versionUse.get(j.version) ?? 0) + 1);
  }

  /** Forgets an instance that reached waiting; drops its version and class record if nothing else needs them. */
  remove(j: JobRecord): void {
    if (!this.jobs.delete(j.id)) return;
    const m = this.byClass.get(j.name);
    m?.delete(j.instance);
    if (m !== undefined && m.size === 0) this.byClass.delete(j.name);
    const use = (this.versionUse.get(j.version) ?? 1) - 1;
    if (use > 0) this.versionUse.set(j.version, use);
    else this.versionUse.delete(j.version);
    const cv = this.versions.get(j.version);
    if (cv && !cv.current && use <= 0) this.versions.delete(j.version);
    const rec = this.classRecs.get(j.name);
    if (rec && rec.current === undefined && this.count(j.name) === 0) this.classRecs.delete(j.name);
  }
}
