// Whether a live server listens on a unix socket: a second init must not take a running one's socket over (and adopt its jobs).
import { connect } from 'node:net';

/** `unknown`: cannot tell (no right to connect, no answer); the caller goes on as if it were free, as before. */
export type SocketProbe = 'served' | 'free' | 'unknown';

/** Connects to `path` and hangs up at once: a listener accepts (or its backlog is full); a stale file refuses. */
export function probeSocket(path: string, timeoutMs = 2000): Promise<SocketProbe> {
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (p: SocketProbe): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(p);
    };
    const timer = setTimeout(() => done('unknown'), timeoutMs);
    s.once('connect', () => done('served'));
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK') done('free');
      // A full backlog: someone listens there and has not accepted yet.
      else done(err.code === 'EAGAIN' ? 'served' : 'unknown');
    });
  });
}
