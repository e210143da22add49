// upstart-file-bridge: emits `file` events for the paths jobs' conditions name (upstart-file-bridge(8)), in the foreground.
import { homedir } from 'node:os';
import { FileBridge } from '../bridges/fileBridge.ts';
import { AddressError, chooseSocket } from '../control/address.ts';
import { asJob, DaemonLink } from '../bridges/daemonLink.ts';

const USAGE = `Usage: upstart-file-bridge [OPTION]...
Bridge between Upstart and inotify: emits file FILE=... EVENT=create|modify|delete
[MATCH=...] for the paths that jobs' start on and stop on conditions name.

Options:
      --user          session mode: FILE may be relative to the home directory (~/, ./)
      --socket PATH   the daemon's control socket (default: $UPSTART_SESSION, else the system init's)
      --reconnect-for SECS  how long to keep connecting again when init goes away (default 60)
      --debug         print each event emitted
  -h, --help          display this help and exit

It runs in the foreground (run it from a job without 'expect'): --daemon is refused.
`;

export async function main(argv: string[]): Promise<number> {
  let user = false;
  let debug = false;
  let socket: string | undefined;
  let giveUpMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--user') user = true;
    else if (a === '--debug' || a === '--verbose') debug = true;
    else if (a === '--reconnect-for' && /^[0-9]+$/.test(argv[i + 1] ?? '')) giveUpMs = Number(argv[++i]) * 1000;
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
  const log = (level: 'debug' | 'info' | 'warn', msg: string): void => { if (level !== 'debug' || debug) process.stderr.write(`upstart-file-bridge: ${msg}\n`); };
  // The job list comes as init sends it (watch-config): nothing polls init.
  const link: DaemonLink = new DaemonLink({
    path,
    onConfig: (s) => bridge.update(s),
    onReconnected: () => bridge.reconnected(),
    log,
    ...(giveUpMs !== undefined ? { giveUpMs } : {}),
    ...asJob('file events'),
  });
  const bridge = new FileBridge({
    daemon: link,
    ...(user ? { home: process.env.HOME ?? homedir() } : {}),
    log,
  });
  try {
    await link.start();
  } catch (err) {
    process.stderr.write(`upstart-file-bridge: ${(err as Error).message}\n`);
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
      process.stderr.write(`upstart-file-bridge: ${why}; exiting\n`);
      bridge.close();
      link.close();
      resolve(1);
    });
  });
}
