// Whether a live server listens on a unix socket: a second init must not take a running one's socket over (and adopt its jobs).
import { connect } from 'node:net';

export type SocketProbe =
  | { state: 'served' }
  | { state: 'free' }
  /** Cannot tell (no right to connect, say): the caller goes on as if it were free, as before. */
  | { state: 'unknown'; why: string };

/** Connects to `path` and hangs up at once: a listener accepts (or its backlog is full); a stale file refuses. */
export function probeSocket(path: string, timeoutMs = 2000): Promise<SocketProbe> {
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (p: SocketProbe): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(p);
    };
    const timer = setTimeout(() => done({ state: 'unknown', why: `no answer in ${timeoutMs} ms` }), timeoutMs);
    s.once('connect', () => done({ state: 'served' }));
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK') done({ state: 'free' });
      // A full backlog: someone listens there and has not accepted yet.
      else if (err.code === 'EAGAIN') done({ state: 'served' });
      else done({ state: 'unknown', why: err.message });
    });
  });
}
