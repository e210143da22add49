// The LSB comment block of an init script (### BEGIN INIT INFO … ### END INIT INFO): what it provides and what it must run after.

/** The fields upstart-rc orders by; names as written (`$remote_fs`, `networking`). */
export interface LsbHeader {
  provides: string[];
  requiredStart: string[];
  requiredStop: string[];
  shouldStart: string[];
  shouldStop: string[];
  defaultStart: string[];
  defaultStop: string[];
  description?: string;
}

const FIELDS: Record<string, keyof Omit<LsbHeader, 'description'>> = {
  'provides': 'provides',
  'required-start': 'requiredStart',
  'required-stop': 'requiredStop',
  'should-start': 'shouldStart',
  'should-stop': 'shouldStop',
  'default-start': 'defaultStart',
  'default-stop': 'defaultStop',
};

/**
 * Parses the first LSB block of a script's text; undefined when there is none (or it is not
 * closed). Unknown fields (X-Start-Before, Description lines) are ignored, as insserv ignores them.
 */
export function parseLsbHeader(text: string): LsbHeader | undefined {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => /^###\s*BEGIN INIT INFO\s*$/.test(l.trimEnd()));
  if (begin === -1) return undefined;
  const h: LsbHeader = { provides: [], requiredStart: [], requiredStop: [], shouldStart: [], shouldStop: [], defaultStart: [], defaultStop: [] };
  for (let i = begin + 1; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    if (/^###\s*END INIT INFO$/.test(line)) return h;
    const m = /^#\s*([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key === 'short-description') h.description = value;
    const field = FIELDS[key];
    if (field !== undefined) h[field] = value === '' ? [] : value.split(/\s+/);
  }
  return undefined;
}
