// init-checkconf: checks job files offline; `File FILE: syntax ok` or `FILE:LINE:COL: message`, exit 1 if any is invalid.
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError } from '../config/configError.ts';
import { extensionWarnings } from '../config/extensions.ts';
import { jobToJson } from '../config/jobJson.ts';
import { parseJob } from '../config/parser.ts';
import type { JobClassSpec } from '../model/jobClass.ts';

export interface CheckconfIo {
  out(text: string): void;
  err(text: string): void;
}

const USAGE = `Usage: init-checkconf [OPTION]... FILE...
Check Upstart job configuration files for errors, without running them.

For each FILE prints "File FILE: syntax ok", or each problem as
FILE:LINE:COLUMN: message. A FILE.override beside FILE.conf is applied and
checked too. Stanzas only upstart-ts reads (watchdog, notification fd,
ready timeout, expect exit N, expect CONDITION) are warnings: the file is
valid here, but Upstart 1.13's init would reject it.

Options:
      --json    print each file's result, with the parsed job class, as JSON
  -h, --help    display this help and exit

Exit status: 0 if every file is valid, 1 if any is not, 2 for a usage error.
`;

interface FileResult {
  file: string;
  ok: boolean;
  job?: JobClassSpec;
  errors: ConfigError[];
  /** Stanzas that still apply but deserve a look (a process defined twice). */
  warnings: ConfigError[];
}

async function readOrError(path: string, errors: ConfigError[]): Promise<string | undefined> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const message = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a job file' : `cannot read file (${code})`;
    errors.push(new ConfigError('unreadable', path, 0, 0, message));
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}

async function checkFile(file: string): Promise<FileResult> {
  const errors: ConfigError[] = [];
  const warnings: ConfigError[] = [];
  const text = await readOrError(file, errors);
  if (text === undefined) return { file, ok: false, errors, warnings };
  const name = basename(file).replace(/\.(conf|override)$/, '');
  const r = parseJob(text, { file, name });
  errors.push(...r.errors);
  warnings.push(...r.warnings, ...extensionWarnings(text, file));
  let job = r.spec;
  const override = file.endsWith('.conf') ? `${file.slice(0, -5)}.override` : undefined;
  if (job !== undefined && override !== undefined && (await exists(override))) {
    const otext = await readOrError(override, errors);
    if (otext !== undefined) {
      const o = parseJob(otext, { file: override, name, base: job });
      errors.push(...o.errors);
      warnings.push(...o.warnings, ...extensionWarnings(otext, override));
      job = o.spec;
    }
  }
  return errors.length === 0 && job !== undefined ? { file, ok: true, job, errors, warnings } : { file, ok: false, errors, warnings };
}

const defaultIo: CheckconfIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export async function main(argv: string[], io: CheckconfIo = defaultIo): Promise<void> {
  let json = false;
  const files: string[] = [];
  let optionsDone = false;
  for (const a of argv) {
    if (optionsDone || !a.startsWith('-') || a === '-') files.push(a);
    else if (a === '--') optionsDone = true;
    else if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      io.out(USAGE);
      process.exitCode = 0;
      return;
    } else {
      io.err(`init-checkconf: unrecognised option '${a}'\nTry \`init-checkconf --help' for more information.\n`);
      process.exitCode = 2;
      return;
    }
  }
  if (files.length === 0) {
    io.err("init-checkconf: missing job configuration file\nTry `init-checkconf --help' for more information.\n");
    process.exitCode = 2;
    return;
  }
  const results: FileResult[] = [];
  for (const f of files) results.push(await checkFile(f));
  if (json) {
    const doc = results.map((r) => ({
      file: r.file,
      ok: r.ok,
      ...(r.job !== undefined ? { job: jobToJson(r.job) } : {}),
      errors: r.errors.map((e) => e.toJSON()),
      warnings: r.warnings.map((e) => e.toJSON()),
    }));
    io.out(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    for (const r of results) {
      for (const w of r.warnings) io.err(`${w.file}:${w.line}:${w.column}: warning: ${w.message}\n`);
      if (r.ok) io.out(`File ${r.file}: syntax ok\n`);
      else for (const e of r.errors) io.err(`${e.format()}\n`);
    }
  }
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}
