// Test helper: a shell probe the child runs to report its own attributes, and a parser for its report.

/** Prints one `key=value` line per attribute, read by the child about itself (exec'd tools read their own /proc/self). */
export const PROBE = [
  'echo "umask=$(umask)"',
  'echo "nice=$(nice)"',
  'echo "nofile=$(ulimit -Sn)/$(ulimit -Hn)"',
  'echo "core=$(ulimit -Sc)/$(ulimit -Hc)"',
  'echo "oom=$(cat /proc/self/oom_score_adj)"',
  'echo "uid=$(id -u) gid=$(id -g)"',
  'echo "groups=$(id -G)"',
  'echo "cwd=$(pwd -P)"',
  'echo "cgroup=$(cat /proc/self/cgroup | tr \'\\n\' \' \')"',
  'echo "stat=$(cat /proc/self/stat)"',
  'echo "pid=$$"',
  'grep -E "^Sig(Blk|Ign|Cgt)" /proc/self/status | tr -d "\\t" | tr ":" "="',
  'echo "env=$FOO"',
].join('\n');

export function parseProbe(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const whole = ['stat=', 'cgroup=', 'groups=', 'env='].some((k) => line.startsWith(k));
    for (const part of whole ? [line] : line.split(' ')) {
      const eq = part.indexOf('=');
      if (eq > 0) r[part.slice(0, eq)] = part.slice(eq + 1);
    }
  }
  return r;
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, tty_nr, ...]. */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
