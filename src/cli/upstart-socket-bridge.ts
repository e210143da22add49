// upstart-socket-bridge: listens for the jobs' `socket` conditions and emits `socket` with the listening fd (socket-event(7)), in the foreground.
import { SocketBridge } from '../bridges/socketBridge.ts';
import { AddressError, chooseSocket } from '../control/address.ts';
import { asJob, DaemonLink } from '../bridges/daemonLink.ts';
import { closeFd } from '../sys/fds.ts';
import { listenSocket, sendDgram, watchReadable } from '../sys/socket.ts';

const USAGE = `Usage: upstart-socket-bridge [OPTION]...
Bridge between Upstart and sockets: listens on the sockets that jobs' start on
and stop on conditions name (socket PROTO=inet PORT=N ADDR=A, socket PROTO=unix
SOCKET_PATH=P) and, at the first connection, emits socket with the listening
socket handed to the job (UPSTART_FDS, LISTEN_FDS on fd 3).

Options:
      --socket PATH   the daemon's control socket (default: $UPSTART_SESSION, else the system init's)
      --refresh SECS  how soon a socket that could not be bound is tried again (default 2)
      --reconnect-for SECS  how long to keep connecting again when init goes away (default 60)
      --debug         print each event emitted
  -h, --help          display this help and exit

It runs in the foreground (run it from a job without 'expect'): --daemon is refused.
`;

/** init's notify socket: $NOTIFY_SOCKET when init gave one, else beside the control socket (as the daemon binds it). */
export function notifyPathFor(control: string, env: NodeJS.ProcessEnv): string {
  if (env.NOTIFY_SOCKET !== undefined && env.NOTIFY_SOCKET !== '') return env.NOTIFY_SOCKET;
  return control.startsWith('\0') ? `@${control.slice(1)}.notify` : control.startsWith('@') ? `${control}.notify` : `${control}.notify`;
}

export async function main(argv: string[]): Promise<number> {
  let debug = false;
  let socket: string | undefined;
  let giveUpMs: number | undefined;
  let refreshMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--debug' || a === '--verbose') debug = true;
    else if (a === '--reconnect-for' && /^[0-9]+$/.test(argv[i + 1] ?? '')) giveUpMs = Number(argv[++i]) * 1000;
    else if (a === '--socket') socket = argv[++i];
    else if (a.startsWith('--socket=')) socket = a.slice('--socket='.length);
    else if (a === '--refresh' && /^[0-9]+$/.test(argv[i + 1] ?? '')) refreshMs = Number(argv[++i]) * 1000;
    else if (a === '--refresh-ms' && /^[0-9]+$/.test(argv[i + 1] ?? '')) refreshMs = Number(argv[++i]);
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0; }
    else if (a === '--daemon') {
      process.stderr.write("upstart-socket-bridge: --daemon is not supported: run it in the foreground, from a job without 'expect daemon'\n");
      return 2;
    } else {
      process.stderr.write(`upstart-socket-bridge: unrecognised option '${a}'\nTry \`upstart-socket-bridge --help' for more information.\n`);
      return 2;
    }
  }
  let path: string;
  try {
    path = chooseSocket({ ...(socket !== undefined ? { socket } : {}), system: socket === undefined && process.env.UPSTART_SESSION === undefined, env: process.env });
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    process.stderr.write(`upstart-socket-bridge: ${err.message}\n`);
    return 2;
  }
  const log = (level: 'debug' | 'info' | 'warn', msg: string): void => { if (level !== 'debug' || debug) process.stderr.write(`upstart-socket-bridge: ${msg}\n`); };
  // The job list and the jobs' states come as init sends them (watch-config, subscribe): nothing polls init.
  const link: DaemonLink = new DaemonLink({
    path,
    onConfig: (s) => void bridge.update(s),
    follow: { onEntry: (e) => bridge.entry(e), onInstances: (l) => bridge.instances(l) },
    onReconnected: () => void bridge.reconnected(),
    log,
    ...(giveUpMs !== undefined ? { giveUpMs } : {}),
    ...asJob('socket events (connections to sockets only the bridge held were refused)'),
  });
  const bridge = new SocketBridge({
    daemon: link,
    sys: { listenSocket, watchReadable, sendDgram, closeFd },
    notifySocket: notifyPathFor(path, process.env),
    ...(refreshMs !== undefined ? { retryMs: Math.max(100, refreshMs) } : {}),
    log,
  });
  try {
    await link.start();
  } catch (err) {
    process.stderr.write(`upstart-socket-bridge: ${(err as Error).message}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      bridge.close();
      link.close();
      resolve(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // A re-exec or a restart of init: the link connects again. Only an init gone for good ends the bridge (respawn, if init is back).
    void link.ended.then((why) => {
      process.stderr.write(`upstart-socket-bridge: ${why}; exiting\n`);
      bridge.close();
      link.close();
      resolve(1);
    });
  });
}
