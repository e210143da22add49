// A client connection to a message bus (dbus-daemon): address parsing, connect, SASL EXTERNAL, Hello.
import { connect, Socket } from 'node:net';
import { parseSessionAddress } from '../control/address.ts';
import { unixStream } from '../sys/socket.ts';
import type { Message } from './message.ts';
import { DbusStream } from './stream.ts';

export const BUS_NAME = 'org.freedesktop.DBus';
export const BUS_PATH = '/org/freedesktop/DBus';
export const SYSTEM_BUS_ADDRESS = 'unix:path=/run/dbus/system_bus_socket';

/** The socket paths of a D-Bus address list (`;`-separated; unix:path= and unix:abstract= only). */
export function socketsOf(address: string): string[] {
  return address.split(';').map((a) => parseSessionAddress(a.trim())).filter((p): p is string => p !== undefined);
}

export interface BusConnection {
  stream: DbusStream;
  /** Our unique name on the bus (:1.N). */
  name: string;
}

function open(path: string): Promise<Socket> {
  // An abstract name is connected to by its exact length (Node would pad it and never find it).
  if (path.startsWith('\0')) {
    try {
      return Promise.resolve(new Socket({ fd: unixStream(`@${path.slice(1)}`, false), readable: true, writable: true }));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/**
 * Connects to the first reachable socket of `address`, authenticates as `uid` and says Hello.
 * onMessage gets every message that is not a reply to our calls; onClose once the bus goes away.
 */
export async function connectBus(address: string, uid: number, onMessage: (m: Message) => void, onClose: (why: string | undefined) => void): Promise<BusConnection> {
  const paths = socketsOf(address);
  if (paths.length === 0) throw new Error(`not a unix:path= or unix:abstract= D-Bus address: ${address}`);
  let last: Error | undefined;
  for (const p of paths) {
    let socket: Socket;
    try {
      socket = await open(p);
    } catch (err) {
      last = err as Error;
      continue;
    }
    let closedWith: string | undefined = 'closed while connecting';
    let up = false;
    const stream = new DbusStream(socket, {
      role: { kind: 'client', uid },
      onMessage: (m) => onMessage(m),
      onClose: (why) => {
        closedWith = why ?? 'closed';
        if (up) onClose(why);
      },
    });
    try {
      await stream.ready;
      const [name] = await stream.call({ destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'Hello' });
      up = true;
      if (stream.isClosed) onClose(closedWith);
      return { stream, name: name as string };
    } catch (err) {
      stream.close(undefined);
      last = new Error(`${address}: ${(err as Error).message}`);
    }
  }
  throw last ?? new Error(`cannot connect to ${address}`);
}
