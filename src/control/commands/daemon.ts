// version, log-priority, reload-configuration, notify-*, reexec, list-sessions: the daemon itself.
import { EngineError } from '../../model/engineApi.ts';
import { command, json, needArgs, type CommandSpec } from './context.ts';
import { UsageError } from './argv.ts';
import { DRY_RUN_OPTION, FROM_OPTION, formatReloadPlan } from './dryRun.ts';
import type { SessionInfo } from '../protocol.ts';

/** list-sessions' output: `PID ADDRESS` lines, or --json (initctl answers it itself too: src/cli/initctl.ts). */
export function formatSessions(sessions: readonly SessionInfo[], asJson: boolean): string {
  return asJson ? json(sessions) : sessions.map((s) => `${s.pid} ${s.session}\n`).join('');
}

function notifyAddress(kind: 'dbus' | 'cgroup-manager', summary: string, missing: string): CommandSpec {
  return command({
    summary,
    usage: 'ADDRESS',
    requests: ['notify-address'],
    parse: (inv) => {
      needArgs(inv, 1, 1, missing);
      return { type: 'notify-address', kind, address: inv.args[0] as string };
    },
  });
}

export const daemonCommands: Record<string, CommandSpec> = {
  version: command({
    summary: 'Request the version of the init daemon.',
    usage: '',
    requests: ['version'],
    parse: (inv) => {
      needArgs(inv, 0, 0, '');
      return { type: 'version' };
    },
    format: (v, inv) => (inv.json ? json({ version: v }) : `${v}\n`),
  }),
  'log-priority': command({
    summary: 'Change the minimum priority of log messages from the init daemon.',
    usage: '[PRIORITY]',
    requests: ['get-log-priority', 'set-log-priority'],
    parse: (inv) => {
      // Any argument asks for a change: refused to other users before its count is checked.
      if (inv.args.length === 0) return { type: 'get-log-priority' };
      needArgs(inv, 0, 1, '');
      return { type: 'set-log-priority', priority: inv.args[0] as string };
    },
    format: (now, inv, r) => (r.type === 'set-log-priority' ? '' : inv.json ? json({ priority: now }) : `${String(now)}\n`),
  }),
  'reload-configuration': command<'reload-configuration' | 'reload-dry-run'>({
    summary: 'Reload the configuration of the init daemon (--dry-run [--from DIR]: say what it would change).',
    usage: '',
    options: [DRY_RUN_OPTION, FROM_OPTION],
    requests: ['reload-configuration', 'reload-dry-run'],
    parse: (inv) => {
      needArgs(inv, 0, 0, '');
      const from = typeof inv.opts.from === 'string' ? inv.opts.from : undefined;
      if (inv.opts.dryRun === true) return from === undefined ? { type: 'reload-dry-run' } : { type: 'reload-dry-run', from };
      if (from !== undefined) throw new UsageError('--from is for --dry-run: to apply DIR, copy its files into the conf dir');
      return { type: 'reload-configuration' };
    },
    format: (plan, inv) => (plan === null ? '' : inv.json ? json(plan) : formatReloadPlan(plan)),
  }),
  'notify-disk-writeable': command({
    summary: 'Inform Upstart that disk is now writeable.',
    usage: '',
    requests: ['notify-disk-writeable'],
    parse: (inv) => {
      needArgs(inv, 0, 0, '');
      return { type: 'notify-disk-writeable' };
    },
  }),
  'notify-dbus-address': notifyAddress('dbus', 'Inform Upstart of D-Bus address to connect to.', 'missing D-Bus address'),
  'notify-cgroup-manager-address': notifyAddress('cgroup-manager', 'Inform Upstart of cgroup manager address to connect to.', 'missing cgroup manager address'),
  reexec: command({
    summary: 'Re-execute the init daemon, keeping every job (stateful re-exec).',
    usage: '[--with-state=FILE]',
    options: [{ key: 'withState', long: 'with-state', takesArg: true }],
    requests: ['reexec'],
    parse: (inv) => {
      needArgs(inv, 0, 0, '');
      const file = inv.opts.withState;
      if (file === true) throw new EngineError('invalid', '--with-state needs a FILE');
      return file === undefined ? { type: 'reexec' } : { type: 'reexec', withState: file };
    },
  }),
  'list-sessions': command({
    summary: 'List all sessions.',
    usage: '',
    requests: ['list-sessions'],
    parse: (inv) => {
      needArgs(inv, 0, 0, '');
      return { type: 'list-sessions' };
    },
    format: (sessions, inv) => formatSessions(sessions, inv.json),
  }),
};
