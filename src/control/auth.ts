// Who may send what: one table keyed on the request type, and the peer's denials it is checked against.
import type { RequestType } from './protocol.ts';

/**
 * open: anyone who can reach the socket (status and list, as in Upstart).
 * private: shows environments (which carry secrets) — root, or the session's owner (D7).
 * change: changes the daemon's state — root in system mode, the session's owner (or root) in session mode.
 */
export type Access = 'open' | 'private' | 'change';

/** The one authorisation table. A `command` is open: it is judged by the request its argv parses into. */
export const ACCESS: Readonly<Record<RequestType, Access>> = {
  command: 'open',
  cancel: 'open',
  status: 'open',
  list: 'open',
  usage: 'open',
  version: 'open',
  'get-log-priority': 'open',
  'show-config': 'open',
  // The same facts as show-config, again at each change.
  'watch-config': 'open',
  'check-config': 'open',
  graph: 'open',
  plot: 'open',
  'list-sessions': 'open',
  'sysv-list': 'open',
  runlevel: 'open',
  // Environments: the tables themselves, the journal (every event's KEY=VALUE pairs), and why
  // (each leaf says which event, with its pairs, last changed it).
  why: 'private',
  'list-env': 'private',
  'get-env': 'private',
  journal: 'private',
  subscribe: 'private',
  start: 'change',
  stop: 'change',
  restart: 'change',
  reload: 'change',
  emit: 'change',
  'notify-ready': 'change',
  'set-env': 'change',
  'unset-env': 'change',
  'reset-env': 'change',
  'reload-configuration': 'change',
  'set-log-priority': 'change',
  'notify-disk-writeable': 'change',
  'notify-address': 'change',
  reexec: 'change',
  'sysv-run': 'change',
  telinit: 'change',
  'cancel-shutdown': 'change',
  // Custom actions run commands as the job (docs/actions.md).
  action: 'change',
  // Dry runs change nothing, but show what conditions and environments would do, and a reload's
  // reads files with the daemon's rights: root or the owner, as the environments.
  'emit-dry-run': 'private',
  'reload-dry-run': 'private',
};

/** What a peer may not do, as full sentences; undefined: allowed. */
export interface PeerDenials {
  /** Why the peer may not change the daemon's state. */
  denial: string | undefined;
  /** Why the peer may not read environments or the journal (absent: allowed). */
  readDenial?: string | undefined;
}

/** Why this peer may not send a request of this type, or undefined if it may. */
export function denialFor(type: RequestType, peer: PeerDenials): string | undefined {
  switch (ACCESS[type]) {
    case 'open':
      return undefined;
    case 'private':
      return peer.readDenial;
    case 'change':
      return peer.denial;
  }
}

/** The peer's denials from its credentials: what the connection passes to denialFor. */
export function peerDenials(uid: number | undefined, mode: 'system' | 'session', ownerUid: number): PeerDenials {
  if (uid === undefined) {
    const why = 'Permission denied: cannot identify the caller (SO_PEERCRED failed)';
    return { denial: why, readDenial: readDenialText(mode, ownerUid, 'unknown') };
  }
  if (uid === 0 || (mode === 'session' && uid === ownerUid)) return { denial: undefined, readDenial: undefined };
  const denial = mode === 'system'
    ? `Permission denied: only root may change the system init (you are uid ${uid})`
    : `Permission denied: only the session's owner (uid ${ownerUid}) may change this session init (you are uid ${uid})`;
  return { denial, readDenial: readDenialText(mode, ownerUid, String(uid)) };
}

function readDenialText(mode: 'system' | 'session', ownerUid: number, uid: string): string {
  const who = mode === 'system' ? 'root' : `the session's owner (uid ${ownerUid})`;
  return `Permission denied: only ${who} may read job environments and the event journal (you are uid ${uid})`;
}
