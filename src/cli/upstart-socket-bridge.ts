// upstart-socket-bridge: listens for the jobs' `socket` conditions and emits `socket` with the listening fd (socket-event(7)), in the foreground.
import { SocketBridge } from '../bridges/socketBridge.ts';
import { AddressError, chooseSocket } from '../control/address.ts';
import { connect } from '../control/client.ts';
import { closeFd } from '../sys/fds.ts';
import { listenSocket, sendDgram, watchReadable } from '../sys/socket.ts';

const USAGE = `Usage: upstart-socket-bridge [OPTION]...
Bridge between Upstart and sockets: listens on the sockets that jobs' start on
and stop on conditions name (socket PROTO=inet PORT=N ADDR=A, socket PROTO=unix
SOCKET_PATH=P) and, at the first connection, emits socket with the listening
socket handed to the job (UPSTART_FDS, LISTEN_FDS on fd 3).

Options:
      --socket PATH   the daemon's control socket (default: $UPSTART_SESSION, else the system init's)
      --refresh SECS  how often the job list is read again (default 2)
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
  let refreshMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--debug' || a === '--verbose') debug = true;
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
  const client = await connect(path);
  const bridge = new SocketBridge({
    daemon: { showConfig: () => client.showConfig(), list: () => client.list(), emit: (name, env, o) => client.emit(name, env, o) },
    sys: { listenSocket, watchReadable, sendDgram, closeFd },
    notifySocket: notifyPathFor(path, process.env),
    ...(refreshMs !== undefined ? { refreshMs: Math.max(100, refreshMs) } : {}),
    log: (level, msg) => { if (level === 'warn' || debug) process.stderr.write(`upstart-socket-bridge: ${msg}\n`); },
  });
  await bridge.start();
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      bridge.close();
      void client.close();
      resolve(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // The daemon went away (it stopped, or is being replaced): exit, and let respawn bring us back.
    client.onClose(() => { bridge.close(); resolve(1); });
  });
}
