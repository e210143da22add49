// emit --dry-run and reload-configuration --dry-run: the texts of what would happen (docs/actions.md), and the option specs.
import type { FieldChange, ReloadPlan } from '../../config/classDiff.ts';
import type { EmitDryRun } from '../../job/dryRun.ts';
import { instanceLabel } from '../../model/instanceRef.ts';
import type { OptionSpec } from './argv.ts';

export const DRY_RUN_OPTION: OptionSpec = { key: 'dryRun', long: 'dry-run' };
export const FROM_OPTION: OptionSpec = { key: 'from', long: 'from', takesArg: true };

const CHANGE_NOTE: Record<string, string | undefined> = {
  restart: 'restarted: stopped, then started again',
  'start-stop': 'started, then stopped again',
};

/**
 * Upstart's list format, one line per instance the event would move, with the state the chain
 * leaves it in (no pids: nothing has run), in the order it moves them; tab-indented under it,
 * `restarted`, what was assumed, and `not known past here:` where the simulation stops knowing.
 */
export function formatEmitDryRun(r: EmitDryRun): string {
  let text = '';
  for (const c of r.changes) {
    text += `${instanceLabel(c.job, c.instance)} ${c.after}\n`;
    const note = CHANGE_NOTE[c.change];
    if (note !== undefined) text += `\t${note}\n`;
    for (const a of c.assumed) text += `\tassumed: ${a}\n`;
    for (const u of c.unknown) text += `\tnot known past here: ${u}\n`;
  }
  return text;
}

function oneLine(v: string | undefined): string {
  return v === undefined ? '(none)' : v.replace(/\n/g, '\\n');
}

function formatChange(c: FieldChange): string {
  return `\t${c.field}: ${oneLine(c.before)} -> ${oneLine(c.after)}\n`;
}

/**
 * One line per fact, each starting with its kind: `added NAME`, `changed NAME` (then a tab-indented
 * `FIELD: BEFORE -> AFTER` per fact), `removed NAME`, `error FILE:LINE:COL: message`, and `kept`
 * + the status line of each instance that would go on running an old definition.
 */
export function formatReloadPlan(p: ReloadPlan): string {
  let text = '';
  for (const n of p.added) text += `added ${n}\n`;
  for (const c of p.changed) text += `changed ${c.name}\n${c.changes.map(formatChange).join('')}`;
  for (const n of p.removed) text += `removed ${n}\n`;
  for (const e of p.errors) text += `error ${e}\n`;
  for (const k of p.kept) text += `kept ${instanceLabel(k.job, k.instance)} ${k.goal}/${k.state}${k.changes === 'removed' ? ' (its job file is gone)' : ''}\n`;
  return text;
}
