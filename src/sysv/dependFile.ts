// insserv's /etc/init.d/.depend.{boot,start,stop}: make(1)-style `TARGET: PREREQUISITE...` lines that order scripts for startpar.

/** Script name → the scripts that must have run before it. */
export type DependMap = Map<string, string[]>;

/**
 * Parses a .depend file. `TARGETS = …` and `INTERACTIVE = …` assignments are skipped; a line
 * ending in `\` continues on the next. Bad lines are returned by line number, not fatal.
 */
export function parseDependFile(text: string): { deps: DependMap; errors: string[] } {
  const deps: DependMap = new Map();
  const errors: string[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const lineNo = i + 1;
    let line = raw[i]!;
    while (line.endsWith('\\') && i + 1 < raw.length) line = `${line.slice(0, -1)} ${raw[++i]!}`;
    line = line.replace(/#.*$/, '').trim();
    if (line === '' || /^[A-Za-z_]+\s*=/.test(line)) continue;
    const m = /^([^\s:]+)\s*:(.*)$/.exec(line);
    if (!m) {
      errors.push(`line ${lineNo}: expected TARGET: PREREQUISITE...`);
      continue;
    }
    const list = deps.get(m[1]!) ?? [];
    list.push(...m[2]!.trim().split(/\s+/).filter((x) => x !== ''));
    deps.set(m[1]!, list);
  }
  return { deps, errors };
}
