// Helpers for the D-Bus tests: real clients (dbus-send, gdbus, python3-dbus) and a raw authenticated connection for bad input.
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { run, type RunResult } from './harness.ts';
import type { Message } from '../../src/dbus/message.ts';
import { DbusStream } from '../../src/dbus/stream.ts';

export const DBUS_SEND = '/usr/bin/dbus-send';
export const GDBUS = '/usr/bin/gdbus';
export const PYTHON = '/usr/bin/python3';
export const DBUS_DAEMON = '/usr/bin/dbus-daemon';

/** Why the D-Bus client tests cannot run here, or undefined when they can. */
export function missingClients(): string | undefined {
  for (const [tool, pkg] of [[DBUS_SEND, 'dbus-bin'], [GDBUS, 'libglib2.0-bin'], [PYTHON, 'python3']] as const) {
    if (!existsSync(tool)) return `${tool} is not installed (Debian package ${pkg}; .ci/run installs it)`;
  }
  return undefined;
}

export async function pythonDbusMissing(): Promise<string | undefined> {
  const r = await run(PYTHON, ['-c', 'import dbus']);
  return r.code === 0 ? undefined : 'python3-dbus is not installed (Debian package python3-dbus)';
}

export const dbusSend = (address: string, args: string[]): Promise<RunResult> =>
  run(DBUS_SEND, [`--address=${address}`, '--print-reply', '--dest=com.ubuntu.Upstart', ...args], {}, 20_000);

export const gdbusCall = (address: string, path: string, method: string, ...args: string[]): Promise<RunResult> =>
  run(GDBUS, ['call', '--address', address, '--dest', 'com.ubuntu.Upstart', '--object-path', path, '--method', method, ...args], {}, 20_000);

export const python = (code: string, env: Record<string, string> = {}): Promise<RunResult> => run(PYTHON, ['-c', code], env, 20_000);

/** An authenticated connection of our own codec (client side), for what real clients never send. */
export async function rawConnection(path: string): Promise<{ stream: DbusStream; socket: Socket; messages: Message[]; closed: Promise<string | undefined> }> {
  const socket = connect(path);
  await new Promise<void>((res, rej) => {
    socket.once('connect', () => res());
    socket.once('error', rej);
  });
  const messages: Message[] = [];
  let closedWith!: (why: string | undefined) => void;
  const closed = new Promise<string | undefined>((r) => { closedWith = r; });
  const stream = new DbusStream(socket, { role: { kind: 'client', uid: process.getuid!() }, onMessage: (m) => messages.push(m), onClose: (why) => closedWith(why) });
  await stream.ready;
  return { stream, socket, messages, closed };
}
