// The man pages: which site page each is made from, its name, section and NAME line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../../src/daemon/version.ts';
import { toRoff } from './roff.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ManSource {
  file: string;
  name: string;
  section: number;
  summary: string;
  manual: string;
  /** Other names that are `.so` links to this page. */
  aliases?: string[];
}

export const MAN_PAGES: readonly ManSource[] = [
  { file: 'docs/job-language.md', name: 'init', section: 5, summary: 'upstart-ts job configuration (the job language)', manual: 'File Formats' },
  { file: 'docs/reference/upstart.md', name: 'upstart', section: 8, summary: 'event-based init daemon and service supervisor', manual: 'System Administration', aliases: ['init'] },
  { file: 'docs/reference/initctl.md', name: 'initctl', section: 8, summary: 'init daemon control tool', manual: 'System Administration', aliases: ['start', 'stop', 'restart', 'reload', 'status'] },
  { file: 'docs/reference/init-checkconf.md', name: 'init-checkconf', section: 8, summary: 'check job files for errors', manual: 'System Administration' },
  { file: 'docs/reference/events.md', name: 'upstart-events', section: 7, summary: 'events emitted by init, its bridges and a boot\'s jobs', manual: 'Miscellaneous' },
];

/** man/NAME.SECTION → roff, for every page and alias; `markdown` overrides a page's file (a generated page). */
export function renderManPages(markdown: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of MAN_PAGES) {
    const text = markdown[p.file] ?? readFileSync(join(root, p.file), 'utf8');
    out[`man/${p.name}.${p.section}`] = toRoff({ name: p.name, section: p.section, summary: p.summary, manual: p.manual, version: VERSION, date: '', markdown: text });
    for (const a of p.aliases ?? []) out[`man/${a}.${p.section}`] = `.so man${p.section}/${p.name}.${p.section}\n`;
  }
  return out;
}
