// Stanzas upstart-ts reads that Upstart 1.13 does not: init-checkconf warns about each, since Upstart's init would reject the whole file.
import { ConfigError } from './configError.ts';

/**
 * Each extension: the stanza (as its first words match), and what it is. Stanza handlers added for
 * ours belong here too. Chromium OS's own stanzas (import, tmpfiles) are Upstart's there, and not
 * warned about.
 */
export const EXTENSIONS: readonly { match: RegExp; what: string }[] = [
  { match: /^watchdog\b/, what: "'watchdog' (ours, docs/readiness.md)" },
  { match: /^notification\b/, what: "'notification fd' (ours, docs/readiness.md)" },
  { match: /^ready\b/, what: "'ready timeout' (ours, docs/job-language.md)" },
  { match: /^expect\s+exit\b/, what: "'expect exit N' (ours, DESIGN §3.5)" },
  // expect stop/daemon/fork/none are Upstart's; any other expect waits for a condition (ours, DESIGN §3.6).
  { match: /^expect\s+(?!(stop|daemon|fork|none)\s*(#.*)?$)\S/, what: "'expect CONDITION' / 'expect ready' (ours, DESIGN §3.6)" },
];

/**
 * A warning for each stanza of `text` that only upstart-ts (or Chromium OS's Upstart) reads. Lines
 * inside script blocks and continued lines are not stanzas and are skipped.
 */
export function extensionWarnings(text: string, file: string): ConfigError[] {
  const out: ConfigError[] = [];
  const lines = text.split('\n');
  let inScript = false;
  let continued = false;
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    const col = raw.length - line.length + 1;
    const wasContinued = continued;
    continued = /\\$/.test(raw);
    if (inScript) {
      if (/^end\s+script\b/.test(line)) inScript = false;
      return;
    }
    if (wasContinued || line === '' || line.startsWith('#')) return;
    if (/^((pre|post)-(start|stop)\s+)?script\b/.test(line)) {
      inScript = true;
      return;
    }
    const hit = EXTENSIONS.find((e) => e.match.test(line));
    if (hit) out.push(new ConfigError('extension', file, i + 1, col, `${hit.what} is an upstart-ts extension: Upstart 1.13's init would reject this file`));
  });
  return out;
}
