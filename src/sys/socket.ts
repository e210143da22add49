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
  /** Reads what is queued now, synchronously, into the callback. */
  drain(): void;
  /** One datagram to the peer (a netlink socket: the kernel). */
  send(data: Buffer): void;
}

/** What came with a datagram: sender credentials (SO_PASSCRED; -1 when the kernel gave none; a netlink socket's pid is the sender's port, 0 the kernel) and fds passed (SCM_RIGHTS, now the callback's to close). */
export type DgramSender = PeerCred & { fds?: number[] };
export type DgramCallback = (data: Buffer, sender: DgramSender) => void;

/** A connected stream socket read with recvmsg (readStream): its bytes, and the fds passed with them. */
export interface StreamReader extends DgramSocket {
  /** Not read while held (the peer waits in its own socket buffer). */
  hold(on: boolean): void;
}

/** data null: the peer closed (or the read failed: errno). fds: passed with these bytes, now the callback's to close; truncated: some were lost. */
export type StreamCallback = (data: Buffer | null, info: { fds?: number[]; truncated?: number; errno?: number }) => void;

/** A readability watch on an fd the caller keeps. */
export interface FdWatch {
  close(): void;
  ref(on: boolean): void;
}

/** SO_PEERCRED of a connected Unix socket (e.g. `socket._handle.fd`). */
export const peerCred = (f: number): PeerCred => addon.peerCred(fd(f));

/** An AF_UNIX SOCK_DGRAM socket bound to `path` ('@name' = abstract), or one already bound (its fd, after a re-exec); each datagram goes to `cb`. */
export function openDgramSocket(path: string | number, cb: DgramCallback): DgramSocket {
  if (typeof path === 'number') fd(path);
  else if (typeof path !== 'string' || path.length === 0) fail('path must be a non-empty string');
  if (typeof cb !== 'function') fail('openDgramSocket needs a callback');
  return addon.openDgramSocket(path, cb);
}

/**
 * Reads the connected stream socket `f` with recvmsg, from a dup of it (close() closes the dup; `f`
 * stays the caller's, for writing). Nothing else may read `f` meanwhile (a net.Socket must have
 * stopped reading first), or bytes and their fds would be split between the two readers.
 */
export function readStream(f: number, cb: StreamCallback): StreamReader {
  if (typeof cb !== 'function') fail('readStream needs a callback');
  return addon.readStream(fd(f), cb);
}

/** An AF_NETLINK socket (protocol: NETLINK_ROUTE = 0, ...) bound to the multicast `groups`. */
export function openNetlinkSocket(protocol: number, groups: number, cb: DgramCallback): DgramSocket {
  return addon.openNetlinkSocket(protocol, groups, cb);
}

/** A listening stream socket (blocking, close-on-exec) that nothing accepts on yet: inet/inet6 with a numeric address, or unix with a path ('@name' abstract). */
export function listenSocket(family: 'inet' | 'inet6' | 'unix', address: string, port = 0, backlog = 128): number {
  if (typeof address !== 'string' || address === '' || address.includes('\0')) fail('address must be a non-empty string');
  return addon.listenSocket(family, address, port, backlog);
}

/** Calls `cb` whenever `f` is readable (a listening socket: a connection is waiting), until close(). */
export function watchReadable(f: number, cb: (error: boolean) => void): FdWatch {
  return addon.watchReadable(fd(f), cb);
}

/** One datagram to the Unix datagram socket at `path` ('@name' abstract), with `fds` attached (SCM_RIGHTS). */
export function sendDgram(path: string, data: Buffer, fds: number[] = []): void {
  if (typeof path !== 'string' || path === '') fail('path must be a non-empty string');
  addon.sendDgram(path, data, fds.map((f) => fd(f)));
}

/**
 * An AF_UNIX stream socket's fd, listening at `path` or connected to it ('@name': an abstract name of
 * exactly that length, as C programs mean unix:abstract=name; Node's own pads it to 108 bytes).
 * Hand it to net (`server.listen({ fd })`, `new Socket({ fd })`).
 */
export function unixStream(path: string, listen: boolean): number {
  if (typeof path !== 'string' || path.length === 0) fail('path must be a non-empty string');
  if (typeof listen !== 'boolean') fail('listen must be a boolean');
  return addon.unixStream(path, listen);
}
