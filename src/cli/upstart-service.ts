// upstart-service: Ubuntu 14.04's service(8) — a job if init has one of that name, else the /etc/init.d script; and --status-all.
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chooseSocket } from '../control/address.ts';
import { connect, ControlError, type ControlClient } from '../control/client.ts';
import { HelperRuns } from '../process/helperRuns.ts';
import * as native from '../sys/index.ts';
import { toExitInfo } from '../process/nativePort.ts';

const USAGE = 'Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n';
const VERSION = 'service ver. 0.91-ubuntu1 (upstart-ts)\n';
/** What --status-all passes over, as service(8) does. */
const SKIPPED = new Set(['functions', 'halt', 'killall', 'single', 'linuxconf', 'kudzu', 'README', 'skeleton', 'rc', 'rcS']);
const IGNORED = /(\.dpkg-(old|new|dist|tmp|bak)|\.ucf-(old|new|dist)|\.rpm(save|new|orig)|~|\.swp|,v)$/;

interface Ctx {
  initd: string;
  client: ControlClient | undefined;
}

/** `env -i LANG="$LANG" PATH="$PATH" TERM="$TERM"`: what service(8) gives a script. */
function scriptEnv(): string[] {
  return ['LANG', 'PATH', 'TERM'].map((k) => `${k}=${process.env[k] ?? ''}`);
}

async function reachInit(): Promise<ControlClient | undefined> {
  try {
    return await connect(chooseSocket({ system: process.env.UPSTART_SESSION === undefined, env: process.env }));
  } catch {
    return undefined;
  }
}

/** The job's instances if init has a job of that name; undefined when it has none (or init is not reachable). */
async function jobStatus(ctx: Ctx, name: string): Promise<Array<{ goal: string }> | undefined> {
  if (ctx.client === undefined) return undefined;
  try {
    return await ctx.client.status(name);
  } catch (err) {
    if (err instanceof ControlError) return undefined;
    throw err;
  }
}

/** Runs `initctl ACTION NAME ARGS` in init, as service(8) execs start/stop/status; returns its exit status. */
async function initctl(ctx: Ctx, argv: string[]): Promise<number> {
  const r = await ctx.client!.command(argv, {}, (stream, data) => process[stream].write(data));
  return r.exitStatus;
}

async function viaJob(ctx: Ctx, name: string, action: string, opts: string[], instances: Array<{ goal: string }>): Promise<number | undefined> {
  const running = instances.some((s) => s.goal === 'start');
  switch (action) {
    case 'start':
    case 'stop':
      if ((action === 'stop' && !running) || (action === 'start' && running)) return 0;
      return initctl(ctx, [action, name, ...opts]);
    case 'restart': {
      if (running) {
        const st = await initctl(ctx, ['stop', name, ...opts]);
        if (st !== 0) return st;
      }
      return initctl(ctx, ['start', name, ...opts]);
    }
    case 'reload':
    case 'force-reload':
      return initctl(ctx, ['reload', name, ...opts]);
    case 'status':
      return initctl(ctx, ['status', name, ...opts]);
    default:
      return undefined;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs programs with output collected, reaped here (stopReaper when done). */
function startHelpers(): HelperRuns {
  const helpers = new HelperRuns((pid) => native.kill(pid, 'KILL'));
  native.startReaper((statuses) => {
    for (const s of statuses) {
      const info = toExitInfo(s);
      if (info !== undefined) helpers.ended(s.pid, info);
    }
  });
  return helpers;
}

/** `service --status-all`: every init script's status action, as ` [ + ]  NAME`, ` [ - ]  NAME` or ` [ ? ]  NAME` (on stderr). */
async function statusAll(ctx: Ctx): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(ctx.initd).sort();
  } catch {
    return 0;
  }
  const helpers = startHelpers();
  try {
    for (const name of names) {
      if (name.startsWith('.') || SKIPPED.has(name) || IGNORED.test(name)) continue;
      const path = join(ctx.initd, name);
      if (!isExecutableFile(path)) continue;
      const job = await jobStatus(ctx, name);
      if (job !== undefined) {
        // The job is the service (an upstart-job link, or a job file beside the script).
        process.stdout.write(` [ ${job.some((s) => s.goal === 'start') ? '+' : '-'} ]  ${name}\n`);
        continue;
      }
      let r;
      try {
        r = await helpers.run([path, 'status'], scriptEnv(), 60_000);
      } catch {
        continue;
      }
      if (/usage:/i.test(r.output)) process.stderr.write(` [ ? ]  ${name}\n`);
      else process.stdout.write(` [ ${r.exit.kind === 'exited' && r.exit.status === 0 ? '+' : '-'} ]  ${name}\n`);
    }
  } finally {
    native.stopReaper();
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  let root = '/';
  const args = [...argv];
  // Ours, for tests and chroots: read ROOT/etc/init.d.
  if (args[0] === '--root' && args[1] !== undefined) {
    root = resolve(args[1]);
    args.splice(0, 2);
  } else if (args[0]?.startsWith('--root=')) {
    root = resolve(args[0].slice('--root='.length));
    args.shift();
  }
  const first = args[0];
  if (first === undefined) { process.stderr.write(USAGE); return 1; }
  if (first === '-h' || first === '--help') { process.stdout.write(USAGE); return 0; }
  if (first === '--version') { process.stdout.write(VERSION); return 0; }
  const ctx: Ctx = { initd: join(root, 'etc', 'init.d'), client: await reachInit() };
  try {
    if (first === '--status-all') return await statusAll(ctx);
    if (first.startsWith('-')) { process.stderr.write(USAGE); return 1; }
    const name = first.replace(/^.*\//, '');
    let action = args[1] ?? '';
    const opts = args.slice(2);
    const script = join(ctx.initd, name);
    if (action === '--full-restart') {
      // service(8): the init script's stop, then its start (a job: restart).
      if (!isExecutableFile(script)) { process.stderr.write(`${name}: unrecognized service\n`); return 1; }
      const job = await jobStatus(ctx, name);
      if (job !== undefined) return (await viaJob(ctx, name, 'restart', [], job)) ?? 1;
      const helpers = startHelpers();
      try {
        process.stdout.write((await helpers.run([script, 'stop'], scriptEnv(), 300_000)).output);
      } finally {
        native.stopReaper();
      }
      action = 'start';
    }
    const job = await jobStatus(ctx, name);
    if (job !== undefined) {
      const st = await viaJob(ctx, name, action, opts, job);
      if (st !== undefined) return st;
    }
    if (!isExecutableFile(script)) {
      process.stderr.write(`${name}: unrecognized service\n`);
      return 1;
    }
    ctx.client?.close();
    ctx.client = undefined;
    // As service(8): exec the script, so its output and exit status are the answer (stdio kept across the exec).
    for (const fd of [0, 1, 2]) native.setCloexec(fd, false);
    return native.execve(script, [script, ...(action === '' ? [] : [action]), ...opts], scriptEnv());
  } finally {
    ctx.client?.close();
  }
}
