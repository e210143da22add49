// upstart-file-bridge: emits `file` events for the paths jobs' conditions name (upstart-file-bridge(8)), in the foreground.
import { homedir } from 'node:os';
import { FileBridge } from '../bridges/fileBridge.ts';
import { AddressError, chooseSocket } from '../control/address.ts';
import { connect } from '../control/client.ts';

const USAGE = `Usage: upstart-file-bridge [OPTION]...
Bridge between Upstart and inotify: emits file FILE=... EVENT=create|modify|delete
[MATCH=...] for the paths that jobs' start on and stop on conditions name.

Options:
      --user          session mode: FILE may be relative to the home directory (~/, ./)
      --socket PATH   the daemon's control socket (default: $UPSTART_SESSION, else the system init's)
      --debug         print each event emitted
  -h, --help          display this help and exit

It runs in the foreground (run it from a job without 'expect'): --daemon is refused.
`;

export async function main(argv: string[]): Promise<number> {
  let user = false;
  let debug = false;
  let socket: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--user') user = true;
    else if (a === '--debug' || a === '--verbose') debug = true;
    else if (a === '--socket') socket = argv[++i];
    else if (a.startsWith('--socket=')) socket = a.slice('--socket='.length);
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0; }
    else if (a === '--daemon') {
      process.stderr.write("upstart-file-bridge: --daemon is not supported: run it in the foreground, from a job without 'expect daemon'\n");
      return 2;
    } else {
      process.stderr.write(`upstart-file-bridge: unrecognised option '${a}'\nTry \`upstart-file-bridge --help' for more information.\n`);
      return 2;
    }
  }
  let path: string;
  try {
    path = chooseSocket({ ...(socket !== undefined ? { socket } : {}), system: !user && socket === undefined && process.env.UPSTART_SESSION === undefined, env: process.env });
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    process.stderr.write(`upstart-file-bridge: ${err.message}\n`);
    return 2;
  }
  const client = await connect(path);
  const bridge = new FileBridge({
    daemon: { showConfig: () => client.showConfig(), emit: (name, env, o) => client.emit(name, env, o) },
    ...(user ? { home: process.env.HOME ?? homedir() } : {}),
    log: (level, msg) => { if (level === 'warn' || debug) process.stderr.write(`upstart-file-bridge: ${msg}\n`); },
  });
  await bridge.start();
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      bridge.close();
      client.close();
      resolve(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // The daemon went away (it stopped, or is being replaced): exit, and let respawn bring us back.
    client.onClose(() => { bridge.close(); resolve(1); });
  });
}
