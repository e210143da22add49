// Where a daemon of each mode looks for job files, listens, and logs (DESIGN §1); pure given env.
import type { DaemonOptions } from './options.ts';
import { runtimeDir } from './runtimeDir.ts';

export interface DaemonPaths {
  confdirs: string[];
  socket: string;
  logdir: string;
}

export interface PathEnv {
  env: Record<string, string | undefined>;
  pid: number;
  uid: number;
  home: string;
}

/** Resolves the conf dirs, socket and log dir from the options and the process environment. */
export function resolvePaths(o: DaemonOptions, pe: PathEnv): DaemonPaths {
  const e = pe.env;
  if (o.mode === 'system') {
    const base = o.confdirs.length > 0 ? o.confdirs : ['/etc/init'];
    return {
      confdirs: [...o.prependConfdirs, ...base, ...o.appendConfdirs],
      socket: o.socket ?? '/run/upstart/control.sock',
      logdir: o.logdir ?? '/var/log/upstart',
    };
  }
  const configHome = e.XDG_CONFIG_HOME || `${pe.home}/.config`;
  const cacheHome = e.XDG_CACHE_HOME || `${pe.home}/.cache`;
  const runtime = runtimeDir(e, pe.uid);
  const configDirs = (e.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter((d) => d !== '');
  const defaults = [
    `${configHome}/upstart`,
    `${pe.home}/.init`,
    ...configDirs.map((d) => `${d}/upstart`),
    '/usr/share/upstart/sessions',
  ];
  const base = o.confdirs.length > 0 ? o.confdirs : defaults;
  return {
    confdirs: [...o.prependConfdirs, ...base, ...o.appendConfdirs],
    socket: o.socket ?? `${runtime}/upstart/session-${pe.pid}.sock`,
    logdir: o.logdir ?? `${cacheHome}/upstart`,
  };
}
