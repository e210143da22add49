// Which socket a client talks to: --socket PATH, else $UPSTART_SESSION, else the system socket.

export const SYSTEM_SOCKET = '/run/upstart/control.sock';

/** The longest path a unix socket address holds (sun_path is 108 bytes with its NUL); Node cuts a longer one short without a word. */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * The socket named by a D-Bus style address as Upstart exports it in UPSTART_SESSION:
 * `unix:path=/run/user/1000/upstart/session-42.sock` or `unix:abstract=NAME` (returned as `\0NAME`).
 * Other `,key=value` pairs are ignored and `%XX` escapes decoded. undefined when it is neither.
 */
export function parseSessionAddress(address: string): string | undefined {
  if (!address.startsWith('unix:')) return undefined;
  for (const part of address.slice(5).split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq);
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1));
    } catch {
      return undefined;
    }
    if (value === '') continue;
    if (key === 'path') return value;
    if (key === 'abstract') return `\0${value}`;
  }
  return undefined;
}

export interface AddressChoice {
  /** --socket PATH */
  socket?: string;
  /** --system: ignore UPSTART_SESSION. */
  system?: boolean;
  env: Record<string, string | undefined>;
}

export class AddressError extends Error {
  readonly code = 'bad-address';
}

/** The socket to connect to, by initctl's rules. Throws AddressError for an unusable UPSTART_SESSION. */
export function chooseSocket(c: AddressChoice): string {
  if (c.socket !== undefined && c.socket !== '') return c.socket;
  const session = c.env.UPSTART_SESSION;
  if (!c.system && session !== undefined && session !== '') {
    const path = parseSessionAddress(session);
    if (path === undefined) throw new AddressError(`UPSTART_SESSION is not a unix:path= or unix:abstract= address: ${session}`);
    return path;
  }
  return SYSTEM_SOCKET;
}
