// How an exec line or a script becomes argv for the process port (init(5) "exec" and "script").
import type { ProcessSpec } from '../model/jobClass.ts';

/** Characters that make Upstart hand an exec line to the shell. */
const SHELL_CHARS = /[~`!$^&*()=|\\{}[\];"'<>?]/;

export interface ProcessCommand {
  argv: string[];
  /** Script text fed to the shell by the port (no size limit). */
  script?: string;
}

/**
 * `exec` lines with shell metacharacters run as `/bin/sh -e -c "exec LINE"` (the `exec` keeps the
 * tracked pid the program's own); plain ones are split on blanks and executed directly. Scripts run
 * as `/bin/sh -e` with the body on the port's script channel.
 */
export function commandFor(spec: ProcessSpec): ProcessCommand {
  if (spec.kind === 'script') return { argv: ['/bin/sh', '-e'], script: spec.command };
  const line = spec.command.trim();
  if (SHELL_CHARS.test(line)) return { argv: ['/bin/sh', '-e', '-c', `exec ${line}`] };
  return { argv: line.split(/[ \t\n]+/).filter((w) => w !== '') };
}
