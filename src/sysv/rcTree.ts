// Reads a SysV rc tree (ROOT/etc/rcN.d links, ROOT/etc/init.d scripts and insserv's .depend files) for upstart-rc.
import { accessSync, constants, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDependFile, type DependMap } from './dependFile.ts';
import { parseLsbHeader } from './lsbHeader.ts';
import type { PlanScript } from './rcPlan.ts';

export interface RcScript extends PlanScript {
  kind: 'S' | 'K';
  /** What runs: ROOT/etc/init.d/NAME, or the link itself when there is no such file. */
  script: string;
  executable: boolean;
  /** ROOT/etc/init.d/NAME is Debian's link to /lib/init/upstart-job: the job file is the service. */
  upstartJob: boolean;
  /** ROOT/etc/init/NAME.conf exists beside the script. */
  jobFile: boolean;
}

const LINK = /^([SK])(\d\d)(.+)$/;
/** Names sysv-rc passes over: package manager leftovers and editor backups. */
const IGNORED = /(\.dpkg-(old|new|dist|tmp|bak)|\.ucf-(old|new|dist)|\.rpm(save|new|orig)|~|\.swp|,v)$/;

/** The directory of a runlevel: rc2.d, rcS.d. */
export function rcDir(root: string, level: string): string {
  return join(root, 'etc', `rc${level}.d`);
}

function readHead(path: string): string {
  try {
    return readFileSync(path, 'latin1').slice(0, 65536);
  } catch {
    return '';
  }
}

function isUpstartJobLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && basename(readlinkSync(path)) === 'upstart-job';
  } catch {
    return false;
  }
}

/**
 * The S and K links of a runlevel, each in numeric order. A link whose script is missing is left out
 * and said in `warnings` (sysv-rc passes over it too); a missing directory is an empty runlevel.
 */
export function readRunlevel(root: string, level: string): { kill: RcScript[]; start: RcScript[]; warnings: string[] } {
  const dir = rcDir(root, level);
  const warnings: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(`${dir}: ${(err as Error).message}`);
    return { kill: [], start: [], warnings };
  }
  const out: RcScript[] = [];
  for (const link of names) {
    const m = LINK.exec(link);
    if (!m || IGNORED.test(link)) continue;
    const name = m[3]!;
    const initd = join(root, 'etc', 'init.d', name);
    const script = existsSync(initd) || isUpstartJobLink(initd) ? initd : join(dir, link);
    let isFile = false;
    try {
      isFile = statSync(script).isFile();
    } catch {
      // Dangling.
    }
    const upstartJob = isUpstartJobLink(initd);
    if (!isFile && !upstartJob) {
      warnings.push(`${join(dir, link)}: no such script; skipped`);
      continue;
    }
    let executable = false;
    try {
      accessSync(script, constants.X_OK);
      executable = isFile;
    } catch {
      // Reported when it is run.
    }
    const header = upstartJob ? undefined : parseLsbHeader(readHead(script));
    out.push({
      kind: m[1] as 'S' | 'K', number: Number(m[2]), name, link, script, executable, upstartJob,
      jobFile: existsSync(join(root, 'etc', 'init', `${name}.conf`)),
      ...(header !== undefined ? { header } : {}),
    });
  }
  return { kill: out.filter((s) => s.kind === 'K'), start: out.filter((s) => s.kind === 'S'), warnings };
}

/** The names with an S link in a runlevel (sysv-rc's "was it started in the previous runlevel"). */
export function startLinks(root: string, level: string): Set<string> {
  try {
    return new Set(readdirSync(rcDir(root, level)).map((l) => LINK.exec(l)).filter((m) => m !== null && m[1] === 'S').map((m) => m![3]!));
  } catch {
    return new Set();
  }
}

/** insserv's ordering file for boot (rcS), start or stop, when there is one. */
export function readDepend(root: string, which: 'boot' | 'start' | 'stop'): { deps?: DependMap; errors: string[] } {
  const path = join(root, 'etc', 'init.d', `.depend.${which}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { errors: [] };
  }
  const { deps, errors } = parseDependFile(text);
  return { deps, errors: errors.map((e) => `${path}: ${e}`) };
}
