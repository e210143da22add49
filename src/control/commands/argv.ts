// initctl's command line grammar: global and per-command options intermixed with arguments, GNU style.

/** One option: `-s`, `--long`, and whether it takes an argument (`--long=V`, `--long V`, `-sV`, `-s V`). */
export interface OptionSpec {
  key: string;
  long: string;
  short?: string;
  takesArg?: boolean;
  /** May be given more than once; values accumulate (joined with ','). */
  repeat?: boolean;
}

/** Options every command accepts, before or after the command name (initctl(8) OPTIONS). */
export const GLOBAL_OPTIONS: OptionSpec[] = [
  { key: 'quiet', long: 'quiet', short: 'q' },
  { key: 'verbose', long: 'verbose', short: 'v' },
  { key: 'noWait', long: 'no-wait', short: 'n' },
  { key: 'system', long: 'system' },
  { key: 'user', long: 'user' },
  { key: 'session', long: 'session' },
  { key: 'dest', long: 'dest', takesArg: true },
  { key: 'socket', long: 'socket', takesArg: true },
  { key: 'json', long: 'json' },
  { key: 'help', long: 'help', short: 'h' },
  { key: 'version', long: 'version' },
];

export interface ParsedArgs {
  /** Flag → true, or option → its value. */
  opts: Record<string, string | true>;
  args: string[];
}

export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parses argv (without the program name) against a set of options. `--` ends option parsing;
 * a lone `-` is an argument. Throws UsageError with initctl's message text.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const opts: Record<string, string | true> = {};
  const args: string[] = [];
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]));
  const set = (spec: OptionSpec, value: string | true): void => {
    const prev = opts[spec.key];
    opts[spec.key] = spec.repeat && typeof prev === 'string' && typeof value === 'string' ? `${prev},${value}` : value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const spec = byLong.get(name);
      if (spec === undefined) throw new UsageError(`invalid option: --${name}`);
      if (spec.takesArg) {
        if (eq !== -1) set(spec, a.slice(eq + 1));
        else if (i + 1 < argv.length) set(spec, argv[++i] as string);
        else throw new UsageError(`missing argument: --${name}`);
      } else {
        if (eq !== -1) throw new UsageError(`option does not take an argument: --${name}`);
        set(spec, true);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        const spec = byShort.get(c);
        if (spec === undefined) throw new UsageError(`invalid option: -${c}`);
        if (!spec.takesArg) {
          set(spec, true);
          continue;
        }
        if (j + 1 < a.length) set(spec, a.slice(j + 1));
        else if (i + 1 < argv.length) set(spec, argv[++i] as string);
        else throw new UsageError(`missing argument: -${c}`);
        break;
      }
      continue;
    }
    args.push(a);
  }
  return { opts, args };
}

/** Index of the command name in args: the first argument that is neither an option nor an option's value; -1 if none. */
export function commandIndex(args: readonly string[]): number {
  const withArg = new Set(GLOBAL_OPTIONS.filter((o) => o.takesArg).map((o) => `--${o.long}`));
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') return i + 1 < args.length ? i + 1 : -1;
    if (withArg.has(a)) {
      i++;
      continue;
    }
    if (!(a.startsWith('-') && a.length > 1)) return i;
  }
  return -1;
}
