// One runlevel change as Debian's /etc/init.d/rc makes it: the K scripts with stop, then the S scripts, each group as startpar orders it.
import type { SysvRunResult } from '../model/sysv.ts';
import { planGroups, type PlanGroup } from './rcPlan.ts';
import { rcDir, readDepend, readRunlevel, startLinks, type RcScript } from './rcTree.ts';

export interface RunlevelOptions {
  root: string;
  /** 0-6 or S. */
  level: string;
  /** The runlevel before, or undefined (N: the first since boot). */
  prevlevel?: string;
}

export interface RunnerDeps {
  /** Runs one script's action as a service with its lifecycle events (the daemon's sysv-run). */
  run(s: RcScript, action: 'start' | 'stop', note: string | undefined): Promise<SysvRunResult>;
  /** A job of that name is loaded: it is the service, and the script is not run. */
  isJob(name: string): boolean;
  say(stream: 'stdout' | 'stderr', text: string): void;
}

export interface RunlevelReport {
  ran: string[];
  skipped: string[];
  failed: string[];
}

/** Why a script is not run because a job stands for it, or undefined. */
function shadowedBy(s: RcScript, deps: RunnerDeps): string | undefined {
  if (s.upstartJob) return 'its init.d entry links to upstart-job';
  if (deps.isJob(s.name)) return `job ${s.name} is loaded`;
  if (s.jobFile) return `etc/init/${s.name}.conf exists`;
  return undefined;
}

async function runGroups(groups: PlanGroup[], scripts: RcScript[], action: 'start' | 'stop', dir: string, deps: RunnerDeps, report: RunlevelReport): Promise<void> {
  const byName = new Map(scripts.map((s) => [s.name, s]));
  for (const g of groups) {
    if (g.cycle !== undefined) {
      deps.say('stderr', `upstart-rc: ${dir}: dependency cycle among ${g.cycle.join(', ')}: running number ${String(g.number).padStart(2, '0')} in numeric order\n`);
    }
    const running = new Map<string, Promise<void>>();
    const steps = new Map(g.steps.map((st) => [st.name, st]));
    const runOne = (name: string): Promise<void> => {
      let p = running.get(name);
      if (p === undefined) {
        const st = steps.get(name)!;
        p = Promise.all(st.after.map(runOne)).then(async () => {
          const s = byName.get(name)!;
          const res = await deps.run(s, action, s.header === undefined ? 'no LSB header' : undefined);
          if (res.output !== '') deps.say('stdout', res.output.endsWith('\n') ? res.output : `${res.output}\n`);
          report.ran.push(name);
          if (res.result !== 'ok') {
            report.failed.push(name);
            deps.say('stderr', `upstart-rc: ${s.link}: ${action} failed: ${res.reason ?? 'unknown reason'}\n`);
          }
        });
        running.set(name, p);
      }
      return p;
    };
    await Promise.all(g.steps.map((st) => runOne(st.name)));
  }
}

/** Runs the K then S scripts of one runlevel (docs/sysv.md, "Order"). */
export async function runRunlevel(o: RunlevelOptions, deps: RunnerDeps): Promise<RunlevelReport> {
  const report: RunlevelReport = { ran: [], skipped: [], failed: [] };
  const tree = readRunlevel(o.root, o.level);
  for (const w of tree.warnings) deps.say('stderr', `upstart-rc: ${w}\n`);
  const prev = o.prevlevel === undefined || o.prevlevel === 'N' ? undefined : o.prevlevel;
  const wasStarted = prev === undefined ? undefined : new Set([...startLinks(o.root, prev), ...startLinks(o.root, 'S')]);
  const prevStarts = prev === undefined ? undefined : startLinks(o.root, prev);
  const killNames = new Set(tree.kill.map((s) => s.name));
  const keep = (s: RcScript): boolean => {
    const why = shadowedBy(s, deps);
    if (why !== undefined) {
      deps.say('stderr', `upstart-rc: ${s.link}: not run: ${why}\n`);
      report.skipped.push(s.name);
      return false;
    }
    return true;
  };
  const dir = rcDir(o.root, o.level);
  const phases: Array<{ scripts: RcScript[]; action: 'start' | 'stop'; depend: 'boot' | 'start' | 'stop' }> = [];
  if (o.level !== 'S') {
    // sysv-rc: a service the previous runlevel did not start is not stopped.
    phases.push({ scripts: tree.kill.filter((s) => wasStarted === undefined || wasStarted.has(s.name)), action: 'stop', depend: 'stop' });
  }
  const startAction = o.level === '0' || o.level === '6' ? 'stop' : 'start';
  // sysv-rc: started in the previous runlevel and not stopped in this one → already running.
  const starts = tree.start.filter((s) => startAction === 'stop' || prevStarts === undefined || !prevStarts.has(s.name) || killNames.has(s.name));
  phases.push({ scripts: starts, action: startAction, depend: o.level === 'S' ? 'boot' : startAction });
  for (const ph of phases) {
    const scripts = ph.scripts.filter(keep);
    const { deps: depend, errors } = readDepend(o.root, ph.depend);
    for (const e of errors) deps.say('stderr', `upstart-rc: ${e}\n`);
    await runGroups(planGroups(scripts, ph.action, depend), scripts, ph.action, dir, deps, report);
  }
  return report;
}
