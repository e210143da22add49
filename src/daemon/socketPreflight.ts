// Before a daemon touches anything: whether it may have its socket at all (length, the /tmp runtime dir, a live init there).
import { MAX_SOCKET_PATH_BYTES } from '../control/address.ts';
import { probeSocket } from '../control/socketProbe.ts';
import type { DaemonOptions } from './options.ts';
import { claimRuntimeDir, fallbackRuntimeDir } from './runtimeDir.ts';

export interface Preflight {
  socket: string;
  options: Pick<DaemonOptions, 'mode' | 'socket' | 'restart' | 'stateFd'>;
  env: Record<string, string | undefined>;
  uid: number;
}

/**
 * Why this daemon must not start (the message, without the program name), or undefined. Not asked
 * of PID 1, which runs whatever happens.
 */
export async function socketRefusal(p: Preflight): Promise<string | undefined> {
  const { socket, options, env, uid } = p;
  // Node would bind the first 107 bytes of a longer path: a socket somewhere else, and then a chmod of the real path fails.
  const bytes = Buffer.byteLength(socket);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    const from = options.socket !== undefined ? '' : options.mode === 'user' && env.XDG_RUNTIME_DIR ? ' (made from XDG_RUNTIME_DIR)' : ' (the default)';
    return `${socket}: ${bytes} bytes, longer than a unix socket address holds (${MAX_SOCKET_PATH_BYTES})${from}; give --socket a shorter path`;
  }
  // Without XDG_RUNTIME_DIR a session's socket and session file go to /tmp/upstart-UID, a name anyone can make first.
  if (options.mode === 'user' && !env.XDG_RUNTIME_DIR) {
    try {
      claimRuntimeDir(fallbackRuntimeDir(uid), uid);
    } catch (err) {
      return (err as Error).message;
    }
  }
  // A second init on a socket a live one serves would take the path over and adopt that one's jobs from their
  // cgroups (a session's base is named after its socket). Not on a re-exec: the socket is this daemon's own.
  if (!options.restart && options.stateFd === undefined && (await probeSocket(socket)) === 'served') {
    return `${socket}: another init is running there; not starting a second one (stop that one first, or give this one another --socket)`;
  }
  return undefined;
}
