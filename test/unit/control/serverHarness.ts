// Starts a ControlServer on a temp socket with a fake engine, and speaks raw lines to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer, type ControlServerOptions, type PeerCred } from '../../../src/control/server.ts';
import { FakeEngine, FakeHooks } from './fakeEngine.ts';

export interface Harness {
  server: ControlServer;
  engine: FakeEngine;
  hooks: FakeHooks;
  path: string;
  logs: string[];
  close(): Promise<void>;
}

export const ME: PeerCred = { pid: process.pid, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

export async function startServer(o: Partial<ControlServerOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-control-'));
  const path = join(dir, 'control.sock');
  const engine = new FakeEngine();
  engine.add('foo').add('bar');
  engine.setInstances('foo', [{ job: 'foo', instance: '', goal: 'start', state: 'running', processes: [{ process: 'main', pid: 1234 }] }]);
  const hooks = new FakeHooks();
  const logs: string[] = [];
  const server = new ControlServer({
    path, engine, hooks, mode: 'session', ownerUid: ME.uid, peerCred: () => ME,
    log: (level, m) => logs.push(`${level}: ${m}`),
    ...o,
  });
  await server.listen();
  return {
    server, engine, hooks, path, logs,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw connection collecting reply lines; `closed` resolves when the server hangs up. */
export class Raw {
  readonly socket: Socket;
  readonly lines: string[] = [];
  readonly closed: Promise<void>;
  private buf = '';
  private waiters: Array<() => void> = [];

  constructor(path: string) {
    this.socket = netConnect({ path });
    this.socket.on('error', () => undefined);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) !== -1) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => this.socket.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
      resolve();
    }));
  }

  write(s: string): void {
    this.socket.write(s);
  }

  /** Waits (with a deadline) until n reply lines have arrived. */
  async waitLines(n: number, ms = 5000): Promise<unknown[]> {
    const deadline = Date.now() + ms;
    while (this.lines.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} lines; got ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.lines.map((l) => JSON.parse(l));
  }
}

export const HELLO = '{"protocol":"upstart-ts","version":1}\n';

/** Resolves when p resolves, or rejects after ms. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_r, reject) => {
      t = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]);
}
