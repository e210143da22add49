// upstart-netlink-bridge: net-device-added/-removed/-up/-down from the kernel's rtnetlink (docs/netlink-bridge.md), in the foreground.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NetlinkBridge } from '../bridges/netlinkBridge.ts';
import { NETLINK_ROUTE, RTMGRP_LINK } from '../bridges/rtnetlink.ts';
import { AddressError, chooseSocket } from '../control/address.ts';
import { connect } from '../control/client.ts';
import { openNetlinkSocket } from '../sys/socket.ts';

const USAGE = `Usage: upstart-netlink-bridge [OPTION]...
Bridge between Upstart and the kernel's network links (rtnetlink; no udev
needed): emits net-device-added and net-device-removed (INTERFACE, IFACE,
IFINDEX, SUBSYSTEM=net, ACTION), net-device-up and net-device-down (IFACE,
LOGICAL, INTERFACE, IFINDEX) as links appear, go, and are set up or down.

Options:
      --socket PATH   the daemon's control socket (default: $UPSTART_SESSION, else the system init's)
      --state FILE    where it keeps the links it saw, so a restart announces only what changed
                      (default /run/upstart-netlink-bridge.links; 'none': announce every link at start)
      --debug         print each event emitted
  -h, --help          display this help and exit

It runs in the foreground (run it from a job without 'expect'): --daemon is refused.
`;

export async function main(argv: string[]): Promise<number> {
  let debug = false;
  let socket: string | undefined;
  let state: string | undefined = '/run/upstart-netlink-bridge.links';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--debug' || a === '--verbose') debug = true;
    else if (a === '--socket') socket = argv[++i];
    else if (a.startsWith('--socket=')) socket = a.slice('--socket='.length);
    else if (a === '--state' && argv[i + 1] !== undefined) state = argv[++i];
    else if (a.startsWith('--state=')) state = a.slice('--state='.length);
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0; }
    else if (a === '--daemon') {
      process.stderr.write("upstart-netlink-bridge: --daemon is not supported: run it in the foreground, from a job without 'expect daemon'\n");
      return 2;
    } else {
      process.stderr.write(`upstart-netlink-bridge: unrecognised option '${a}'\nTry \`upstart-netlink-bridge --help' for more information.\n`);
      return 2;
    }
  }
  if (state === 'none' || state === '') state = undefined;
  let path: string;
  try {
    path = chooseSocket({ ...(socket !== undefined ? { socket } : {}), system: socket === undefined && process.env.UPSTART_SESSION === undefined, env: process.env });
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    process.stderr.write(`upstart-netlink-bridge: ${err.message}\n`);
    return 2;
  }
  const log = (level: 'debug' | 'info' | 'warn', msg: string): void => { if (level !== 'debug' || debug) process.stderr.write(`upstart-netlink-bridge: ${msg}\n`); };
  let saved: unknown;
  if (state !== undefined) {
    try {
      saved = JSON.parse(readFileSync(state, 'utf8'));
    } catch {
      saved = undefined; // first start (or an unreadable file): every link is announced
    }
  }
  const client = await connect(path);
  const file = state;
  const bridge = new NetlinkBridge({
    emit: (name, env, o) => client.emit(name, env, o),
    open: (cb) => openNetlinkSocket(NETLINK_ROUTE, RTMGRP_LINK, cb),
    ...(saved !== undefined ? { saved } : {}),
    ...(file !== undefined ? { save: (t: unknown) => {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.new`, JSON.stringify(t));
      renameSync(`${file}.new`, file);
    } } : {}),
    log,
  });
  try {
    bridge.start();
  } catch (err) {
    process.stderr.write(`upstart-netlink-bridge: cannot open the rtnetlink socket: ${(err as Error).message}\n`);
    void client.close();
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      bridge.close();
      void bridge.flush().then(() => client.close()).then(() => resolve(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // The daemon went away (it stopped, or is being replaced): exit, and let respawn bring us back.
    client.onClose(() => { bridge.close(); resolve(1); });
  });
}
