// parseJob: job-file text → JobClassSpec and ConfigErrors (pure; also applies an .override on top of a base class).
import { defaultJobClass, type JobClassSpec } from '../model/jobClass.ts';
import { compactSpec } from './compactSpec.ts';
import { capErrors, ConfigError } from './configError.ts';
import { Scanner, StanzaAbort } from './scanner.ts';
import type { StanzaContext } from './stanzaContext.ts';
import { STANZA_NAMES, STANZAS } from './stanzas.ts';

export interface ParseOptions {
  /** The file name used in errors (and as the class's path unless `base` gives one). */
  file: string;
  /** The job name, `net/apache` for net/apache.conf. */
  name: string;
  /** With a base, `text` is an .override: each stanza replaces (or adds to) the base's. */
  base?: JobClassSpec;
}

export interface ParseResult {
  /** Present only when there were no errors. */
  spec?: JobClassSpec;
  errors: ConfigError[];
  /** Problems that do not stop the job loading (a process defined twice: the later one wins). */
  warnings: ConfigError[];
}

/** Never throws for any input text: every problem comes back as a ConfigError. */
export function parseJob(text: string, opts: ParseOptions): ParseResult {
  const errors: ConfigError[] = nulErrors(text, opts.file);
  const sc: Scanner = new Scanner(text, opts.file, errors);
  let spec: JobClassSpec;
  if (opts.base !== undefined) {
    spec = structuredClone(opts.base);
    spec.name = opts.name;
  } else {
    spec = defaultJobClass(opts.name);
    spec.path = opts.file;
  }
  const ctx: StanzaContext = { sc, spec, kw: { kind: 'word', value: '', line: 1, column: 1, quoted: false, eq: -1 }, seen: new Map(), lineDone: false };

  while (sc.nextStanza()) {
    ctx.lineDone = false;
    try {
      const kw = sc.readToken(false);
      if (kw === undefined) {
        sc.endLine();
        continue;
      }
      ctx.kw = kw;
      const handler = Object.hasOwn(STANZAS, kw.value) ? STANZAS[kw.value] : undefined;
      if (handler === undefined) {
        if (kw.value === 'end' && !kw.quoted) {
          sc.fail('unexpected-end-script', kw.line, kw.column, "unexpected 'end': there is no open 'script' for it to close");
        }
        sc.fail('unknown-stanza', kw.line, kw.column, unknownStanzaMessage(kw.value));
      }
      handler(ctx);
      if (!ctx.lineDone) {
        const extra = sc.readToken(false);
        if (extra !== undefined) {
          sc.fail('unexpected-argument', extra.line, extra.column, `unexpected argument '${extra.value}' after '${kw.value}': expected the end of the line (quote values that contain blanks)`);
        }
        sc.endLine();
      }
    } catch (e) {
      if (!(e instanceof StanzaAbort)) throw e;
      if (!ctx.lineDone) sc.skipLine();
    }
  }
  // A file with thousands of bad (or repeated) lines reports ten of them and counts the rest.
  const warnings = capErrors(sc.warnings, opts.file, 'warning');
  if (errors.length === 0) return { spec: compactSpec(spec), errors, warnings };
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { errors: capErrors(errors, opts.file), warnings };
}

/**
 * A NUL byte can never reach a process (argv, env, paths are C strings), so one outside a
 * comment line is an error where it stands, instead of a job that fails at every start.
 */
function nulErrors(text: string, file: string): ConfigError[] {
  const out: ConfigError[] = [];
  if (!text.includes('\0')) return out;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const at = l.indexOf('\0');
    if (at === -1 || /^[ \t]*#/.test(l)) continue;
    out.push(new ConfigError('nul-byte', file, i + 1, at + 1, 'NUL byte in a job file: no command, path or environment value can hold one (remove it)'));
  }
  return out;
}

function unknownStanzaMessage(word: string): string {
  const near = closest(word);
  const hint = near === undefined ? 'expected a stanza such as exec, script, start on, stop on, env or respawn' : `did you mean '${near}'?`;
  return `unknown stanza '${word}': ${hint}`;
}

/** The stanza name within edit distance 2 of `word`, if any (for typo hints). */
function closest(word: string): string | undefined {
  if (word.length > 40) return undefined;
  let best: string | undefined;
  let bestD = 3;
  for (const name of STANZA_NAMES) {
    const d = editDistance(word.toLowerCase(), name);
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
