// Unix sockets the daemon reads credentials from: SO_PEERCRED of a stream peer, and datagram sockets with SO_PASSCRED.
import { addon, fail, fd } from './addon.ts';

/** Who is at the other end of a Unix socket (the one PeerCred: control server, notify socket). */
export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

export interface DgramSocket {
  readonly fd: number;
  close(): void;
  /** Whether the socket keeps the event loop alive (default true). */
  ref(on: boolean): void;
}

/** Sender credentials of a datagram (SO_PASSCRED); -1 when the kernel gave none. */
export type DgramCallback = (data: Buffer, sender: PeerCred) => void;

/** SO_PEERCRED of a connected Unix socket (e.g. `socket._handle.fd`). */
export const peerCred = (f: number): PeerCred => addon.peerCred(fd(f));

/** An AF_UNIX SOCK_DGRAM socket bound to `path` ('@name' = abstract), or one already bound (its fd, after a re-exec); each datagram goes to `cb`. */
export function openDgramSocket(path: string | number, cb: DgramCallback): DgramSocket {
  if (typeof path === 'number') fd(path);
  else if (typeof path !== 'string' || path.length === 0) fail('path must be a non-empty string');
  if (typeof cb !== 'function') fail('openDgramSocket needs a callback');
  return addon.openDgramSocket(path, cb);
}
