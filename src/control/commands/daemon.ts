// version, log-priority, reload-configuration, notify-*, list-sessions: the daemon itself.
import { EngineError } from '../../model/engineApi.ts';
import { LOG_PRIORITIES, type LogPriority } from '../../log/daemonLog.ts';
import { guard, needArgs, out, outJson, type CommandSpec } from './context.ts';
import { UsageError } from './argv.ts';
import { DRY_RUN_OPTION, FROM_OPTION, formatReloadPlan } from './dryRun.ts';

function notifyAddress(kind: 'dbus' | 'cgroup-manager', summary: string, missing: string): CommandSpec {
  return {
    summary,
    usage: 'ADDRESS',
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 1, 1, missing);
      ctx.hooks.notifyAddress?.(kind, inv.args[0] as string);
      return 0;
    }),
  };
}

export const daemonCommands: Record<string, CommandSpec> = {
  version: {
    summary: 'Request the version of the init daemon.',
    usage: '',
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 0, 0, '');
      const v = ctx.hooks.version();
      if (inv.json) outJson(ctx, inv, { version: v });
      else out(ctx, inv, `${v}\n`);
      return 0;
    }),
  },
  'log-priority': {
    summary: 'Change the minimum priority of log messages from the init daemon.',
    usage: '[PRIORITY]',
    mutates: (inv) => inv.args.length > 0,
    run: (ctx, inv) => guard(ctx, inv, () => {
      needArgs(inv, 0, 1, '');
      const p = inv.args[0];
      if (p === undefined) {
        const now = ctx.hooks.getLogPriority();
        if (inv.json) outJson(ctx, inv, { priority: now });
        else out(ctx, inv, `${now}\n`);
        return 0;
      }
      if (!(LOG_PRIORITIES as readonly string[]).includes(p)) {
        throw new EngineError('invalid', `invalid priority: ${p} (one of ${LOG_PRIORITIES.join(', ')})`);
      }
      ctx.hooks.setLogPriority(p as LogPriority);
      return 0;
    }),
  },
  'reload-configuration': {
    summary: 'Reload the configuration of the init daemon (--dry-run [--from DIR]: say what it would change).',
    usage: '',
    options: [DRY_RUN_OPTION, FROM_OPTION],
    // A dry run reads files with the daemon's rights and shows what they say: the owner's only, as a reload.
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, async () => {
      needArgs(inv, 0, 0, '');
      const from = typeof inv.opts.from === 'string' ? inv.opts.from : undefined;
      if (inv.opts.dryRun === true) {
        if (ctx.hooks.dryRun === undefined) throw new EngineError('invalid', 'this init cannot plan a reload');
        const plan = await ctx.hooks.dryRun.reload(from);
        if (inv.json) outJson(ctx, inv, plan);
        else out(ctx, inv, formatReloadPlan(plan));
        return 0;
      }
      if (from !== undefined) throw new UsageError('--from is for --dry-run: to apply DIR, copy its files into the conf dir');
      await ctx.hooks.reloadConfiguration();
      return 0;
    }),
  },
  'notify-disk-writeable': {
    summary: 'Inform Upstart that disk is now writeable.',
    usage: '',
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, async () => {
      needArgs(inv, 0, 0, '');
      await ctx.hooks.notifyDiskWriteable();
      return 0;
    }),
  },
  'notify-dbus-address': notifyAddress('dbus', 'Inform Upstart of D-Bus address to connect to.', 'missing D-Bus address'),
  'notify-cgroup-manager-address': notifyAddress('cgroup-manager', 'Inform Upstart of cgroup manager address to connect to.', 'missing cgroup manager address'),
  reexec: {
    summary: 'Re-execute the init daemon, keeping every job (stateful re-exec).',
    usage: '[--with-state=FILE]',
    options: [{ key: 'withState', long: 'with-state', takesArg: true }],
    mutates: true,
    run: (ctx, inv) => guard(ctx, inv, async () => {
      needArgs(inv, 0, 0, '');
      const file = inv.opts.withState;
      if (file === true) throw new EngineError('invalid', '--with-state needs a FILE');
      if (file !== undefined && !file.startsWith('/')) throw new EngineError('invalid', `--with-state: the daemon reads FILE itself, so it must be an absolute path: ${file}`);
      if (ctx.hooks.reexec === undefined) throw new EngineError('invalid', 're-exec is not available in this daemon');
      await ctx.hooks.reexec(file);
      return 0;
    }),
  },
  'list-sessions': {
    summary: 'List all sessions.',
    usage: '',
    mutates: false,
    run: (ctx, inv) => guard(ctx, inv, async () => {
      needArgs(inv, 0, 0, '');
      const sessions = await ctx.hooks.listSessions();
      if (inv.json) outJson(ctx, inv, sessions);
      else out(ctx, inv, sessions.map((s) => `${s.pid} ${s.session}\n`).join(''));
      return 0;
    }),
  },
};
