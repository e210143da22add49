// upstart-rc: runs a runlevel's SysV init scripts through init (docs/sysv.md), so each is a service with lifecycle events; started by the rc job.
import { resolve } from 'node:path';
import { AddressError, chooseSocket } from '../control/address.ts';
import { connect, ControlError } from '../control/client.ts';
import { runRunlevel } from '../sysv/rcRunner.ts';

const USAGE = `Usage: upstart-rc [OPTION]... RUNLEVEL
Runs the SysV init scripts of RUNLEVEL (0-6 or S) as Debian's /etc/init.d/rc does:
the K scripts of /etc/rcRUNLEVEL.d with stop, then its S scripts with start (stop in
0 and 6), scripts of one number in parallel where their LSB headers (or insserv's
.depend files) allow. init runs each script and emits starting, started, stopping
and stopped with JOB=NAME SYSV=1 for it; a script a job stands for is not run.

Options:
      --root DIR          read DIR/etc/init.d and DIR/etc/rcN.d (default /)
      --prevlevel LEVEL   the runlevel before (default $PREVLEVEL; N: none)
      --timeout SECONDS   longest a script may run before it is killed (default 300)
      --socket PATH       the daemon's control socket (default: $UPSTART_SESSION, else the system init's)
  -h, --help              display this help and exit
`;

export const DEFAULT_TIMEOUT_S = 300;

function usage(msg: string): number {
  process.stderr.write(`upstart-rc: ${msg}\nTry \`upstart-rc --help' for more information.\n`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  let root = '/';
  let prevlevel = process.env.PREVLEVEL;
  let timeoutS = DEFAULT_TIMEOUT_S;
  let socket: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq !== -1 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '-h' || flag === '--help') { process.stdout.write(USAGE); return 0; }
    if (flag === '--root' || flag === '--prevlevel' || flag === '--timeout' || flag === '--socket') {
      const v = value();
      if (v === undefined || v === '') return usage(`option '${flag}' requires an argument`);
      if (flag === '--root') root = resolve(v);
      else if (flag === '--prevlevel') prevlevel = v;
      else if (flag === '--socket') socket = v;
      else {
        timeoutS = Number(v);
        if (!Number.isFinite(timeoutS) || timeoutS <= 0) return usage(`--timeout: not a positive number of seconds: ${v}`);
      }
    } else if (a.startsWith('-') && a !== '-') {
      return usage(`unrecognised option '${a}'`);
    } else {
      rest.push(a);
    }
  }
  if (rest.length !== 1) return usage(rest.length === 0 ? 'missing RUNLEVEL' : `unexpected argument '${rest[1]}'`);
  const level = rest[0]!.toUpperCase() === 'S' ? 'S' : rest[0]!;
  if (!/^[0-6S]$/.test(level)) return usage(`invalid runlevel: ${rest[0]} (0-6 or S)`);
  if (prevlevel !== undefined && !/^[0-6SN]$/.test(prevlevel)) return usage(`invalid previous runlevel: ${prevlevel} (0-6, S or N)`);
  let path: string;
  try {
    path = chooseSocket({ ...(socket !== undefined ? { socket } : {}), system: socket === undefined && process.env.UPSTART_SESSION === undefined, env: process.env });
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    process.stderr.write(`upstart-rc: ${err.message}\n`);
    return 1;
  }
  const client = await connect(path);
  try {
    const jobs = new Set((await client.showConfig()).map((c) => c.name));
    const env = [`RUNLEVEL=${level}`, `PREVLEVEL=${prevlevel ?? 'N'}`];
    const report = await runRunlevel({ root, level, ...(prevlevel !== undefined ? { prevlevel } : {}) }, {
      isJob: (name) => jobs.has(name),
      say: (stream, text) => process[stream].write(text),
      run: async (s, action, note) => {
        try {
          return await client.sysvRun({ name: s.name, script: s.script, action, env, timeoutMs: Math.round(timeoutS * 1000), ...(note !== undefined ? { note } : {}) });
        } catch (err) {
          // Refused (a job of that name appeared, or it is being run already): reported, the runlevel goes on.
          if (!(err instanceof ControlError) || err.code === 'closed') throw err;
          return { result: 'failed', reason: err.message, output: '' };
        }
      },
    });
    if (report.failed.length > 0) process.stderr.write(`upstart-rc: runlevel ${level}: ${report.failed.length} of ${report.ran.length} scripts failed: ${report.failed.join(' ')}\n`);
    // As sysv-rc: a failed script does not fail the runlevel change.
    return 0;
  } finally {
    client.close();
  }
}
