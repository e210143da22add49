// D-Bus authentication (SASL EXTERNAL) for both ends: a pure line-by-line state machine, no sockets.
import { closeSync, openSync, readSync } from 'node:fs';

/** What the server says to one client line, and whether the message stream starts after it. */
export interface SaslStep {
  reply?: string;
  /** BEGIN: messages follow the line. */
  begin?: boolean;
  /** The client is to be disconnected (too many attempts, or a line that makes no sense). */
  close?: string;
  /** AGREE_UNIX_FD was said: from now on the connection must be read with recvmsg (fds come with the bytes). */
  unixFds?: boolean;
}

const MAX_ATTEMPTS = 8;

/**
 * The 128-bit server GUID the OK line carries: unique, not secret (the D-Bus specification). From /dev/urandom, not
 * node:crypto (loading it costs the daemon 2 MiB of RSS); without /dev yet, from the clock, the pid and Math.random.
 */
function serverGuid(): string {
  const b = Buffer.alloc(16);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, b, 0, 16, null) === 16) return b.toString('hex');
    } finally {
      closeSync(fd);
    }
  } catch {
    // below
  }
  b.writeBigUInt64BE(process.hrtime.bigint() ^ BigInt(process.pid), 0);
  b.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 8);
  b.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 12);
  return b.toString('hex');
}

/** The hex of an ASCII string, as EXTERNAL carries the uid. */
export const hexOf = (s: string): string => Buffer.from(s, 'ascii').toString('hex');

/**
 * The server's side: only EXTERNAL, checked against the peer's SO_PEERCRED uid (the identity a client
 * claims must be its own; an empty claim means "whatever the socket says"). Unix fd passing is declined.
 */
export class SaslServer {
  private state: 'auth' | 'data' | 'begin' = 'auth';
  private attempts = 0;
  readonly guid = serverGuid();

  /** uid: the peer's, from SO_PEERCRED (undefined when it could not be read: nobody authenticates). */
  /** fds: the connection can be read with recvmsg, so NEGOTIATE_UNIX_FD is agreed to. */
  constructor(private readonly uid: number | undefined, private readonly fds = false) {}

  step(line: string): SaslStep {
    const sp = line.indexOf(' ');
    const cmd = sp === -1 ? line : line.slice(0, sp);
    const arg = sp === -1 ? '' : line.slice(sp + 1).trim();
    switch (cmd) {
      case 'AUTH': {
        if (this.state === 'begin') return { reply: 'ERROR already authenticated' };
        if (++this.attempts > MAX_ATTEMPTS) return { close: 'too many authentication attempts' };
        const [mech, initial] = arg.split(' ');
        if (mech !== 'EXTERNAL') return { reply: 'REJECTED EXTERNAL' };
        if (initial === undefined || initial === '') {
          this.state = 'data';
          return { reply: 'DATA' };
        }
        return this.external(initial);
      }
      case 'DATA':
        if (this.state !== 'data') return { reply: 'ERROR no DATA expected now' };
        return this.external(arg);
      case 'CANCEL':
        this.state = 'auth';
        return { reply: 'REJECTED EXTERNAL' };
      case 'ERROR':
        this.state = 'auth';
        return { reply: 'REJECTED EXTERNAL' };
      case 'NEGOTIATE_UNIX_FD':
        if (this.state !== 'begin') return { reply: 'ERROR not authenticated yet' };
        if (this.fds) return { reply: 'AGREE_UNIX_FD', unixFds: true };
        return { reply: 'ERROR this server does not take Unix file descriptors' };
      case 'BEGIN':
        if (this.state !== 'begin') return { close: 'BEGIN before authentication' };
        return { begin: true };
      default:
        return { reply: `ERROR unknown command ${cmd.slice(0, 32)}` };
    }
  }

  private external(hex: string): SaslStep {
    let claimed: string | undefined;
    if (hex !== '') {
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) {
        this.state = 'auth';
        return { reply: 'REJECTED EXTERNAL' };
      }
      claimed = Buffer.from(hex, 'hex').toString('ascii');
    }
    if (this.uid === undefined || (claimed !== undefined && claimed !== String(this.uid))) {
      this.state = 'auth';
      return { reply: 'REJECTED EXTERNAL' };
    }
    this.state = 'begin';
    return { reply: `OK ${this.guid}` };
  }
}

/**
 * The client's side (to a bus or to another server): NUL, AUTH EXTERNAL with our uid, then BEGIN
 * once the server says OK. `first()` is what to send on connecting; `step(line)` answers each server line.
 */
export class SaslClient {
  private done = false;

  constructor(private readonly uid: number) {}

  first(): string {
    return `\0AUTH EXTERNAL ${hexOf(String(this.uid))}\r\n`;
  }

  step(line: string): { send?: string; begin?: boolean; fail?: string } {
    if (this.done) return {};
    if (line.startsWith('OK ')) {
      this.done = true;
      return { send: 'BEGIN\r\n', begin: true };
    }
    if (line === 'DATA' || line.startsWith('DATA ')) return { send: 'DATA\r\n' };
    return { fail: `the server refused EXTERNAL authentication as uid ${this.uid}: ${line.slice(0, 200)}` };
  }
}
