// why(job): each leaf of a job's start and stop conditions with its value and what last changed it.
import type { ArmedConditions } from '../events/armedConditions.ts';
import { describeChange, evaluate, type ConditionState } from '../events/conditionState.ts';
import { envLookup } from '../events/envList.ts';
import { EngineError, type LeafReport, type WhyReport } from '../model/engineApi.ts';
import { classDefaults, type EnvContext } from './environment.ts';
import type { JobTable } from './jobTable.ts';

function leavesOf(c: ConditionState): LeafReport[] {
  return c.leaves.map((l) => {
    const r: LeafReport = { text: l.text, value: l.latched || l.level };
    if (l.change !== undefined) r.changedBy = describeChange(l.change);
    return r;
  });
}

/** `stop` is the first instance's armed condition, or an unarmed preview built from the class defaults. */
export function whyReport(job: string, table: JobTable, conds: ArmedConditions, envCtx: EnvContext): WhyReport {
  const spec = table.anySpec(job);
  if (spec === undefined) throw new EngineError('unknown-job', `Unknown job: ${job}`);
  const report: WhyReport = { job };
  const sc = conds.get({ kind: 'start', job });
  if (sc) report.start = { value: evaluate(sc), leaves: leavesOf(sc) };
  const inst = table.instancesOf(job).find((j) => j.stop !== undefined);
  if (inst?.stop) report.stop = { value: evaluate(inst.stop), leaves: leavesOf(inst.stop) };
  else if (spec.stop) {
    const preview = conds.build(spec.stop, envLookup(classDefaults(spec, envCtx)));
    report.stop = { value: evaluate(preview), leaves: leavesOf(preview) };
  }
  return report;
}
