// upstart-dbus-bridge: emits `dbus` events for the signals on the system or session bus (upstart-dbus-bridge(8)), in the foreground.
import { DbusBridge } from '../bridges/dbusBridge.ts';
import { AddressError, chooseSocket } from '../control/address.ts';
import { asJob, DaemonLink } from '../bridges/daemonLink.ts';
import { SYSTEM_BUS_ADDRESS } from '../dbus/busClient.ts';

const USAGE = `Usage: upstart-dbus-bridge [OPTION]...
Bridge between Upstart and D-Bus: emits dbus SIGNAL=... INTERFACE=... OBJPATH=...
SENDER=... [DESTINATION=...] [BUS=...] ARG0=... for the signals on a bus.

Options:
      --system           watch the D-Bus system bus (default)
      --session          watch the D-Bus session bus ($DBUS_SESSION_BUS_ADDRESS)
      --bus-address ADDR watch the bus at ADDR
      --user             talk to the session init ($UPSTART_SESSION) rather than the system init
      --socket PATH      the init's control socket (default: $UPSTART_SESSION, else the system init's)
      --always           emit for every signal, even when no job waits for a dbus event
      --bus-name NAME    add BUS=NAME to every event (to tell several bridges apart)
      --debug, --verbose print each event emitted
      --reconnect-for SECS  how long to keep connecting again when init goes away (default 60)
  -h, --help             display this help and exit

It runs in the foreground (run it from a job without 'expect'): --daemon is refused.
`;

function fail(msg: string): number {
  process.stderr.write(`upstart-dbus-bridge: ${msg}\n`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  let bus: 'system' | 'session' = 'system';
  let address: string | undefined;
  let user = false;
  let always = false;
  let debug = false;
  let busName: string | undefined;
  let socket: string | undefined;
  let giveUpMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const take = (): string | undefined => value ?? argv[++i];
    switch (a) {
      case '--system': bus = 'system'; break;
      case '--session': bus = 'session'; break;
      case '--bus-address': address = take(); if (address === undefined) return fail('--bus-address: missing argument'); break;
      case '--user': user = true; break;
      case '--socket': socket = take(); if (socket === undefined) return fail('--socket: missing argument'); break;
      case '--always': always = true; break;
      case '--bus-name': busName = take(); if (busName === undefined) return fail('--bus-name: missing argument'); break;
      case '--debug': case '--verbose': debug = true; break;
      case '--reconnect-for': { const v = take(); if (v === undefined || !/^[0-9]+$/.test(v)) return fail('--reconnect-for: expected whole seconds'); giveUpMs = Number(v) * 1000; break; }
      case '-h': case '--help': process.stdout.write(USAGE); return 0;
      case '--daemon': return fail("--daemon is not supported: run it in the foreground, from a job without 'expect daemon'");
      default: return fail(`unrecognised option '${argv[i]}'\nTry \`upstart-dbus-bridge --help' for more information.`);
    }
  }
  const busAddress = address ?? (bus === 'session' ? process.env.DBUS_SESSION_BUS_ADDRESS : process.env.DBUS_SYSTEM_BUS_ADDRESS ?? SYSTEM_BUS_ADDRESS);
  if (busAddress === undefined || busAddress === '') return fail('--session: DBUS_SESSION_BUS_ADDRESS is not set');
  let path: string;
  try {
    path = chooseSocket({ ...(socket !== undefined ? { socket } : {}), system: !user && socket === undefined && process.env.UPSTART_SESSION === undefined, env: process.env });
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    return fail(err.message);
  }
  const log = (level: 'debug' | 'info' | 'warn', msg: string): void => { if (level !== 'debug' || debug) process.stderr.write(`upstart-dbus-bridge: ${msg}\n`); };
  // The job list comes as init sends it (watch-config): nothing polls init.
  const link: DaemonLink = new DaemonLink({ path, onConfig: (s) => bridge.update(s), log, ...(giveUpMs !== undefined ? { giveUpMs } : {}), ...asJob('dbus events (signals)') });
  const bridge = new DbusBridge({
    daemon: link,
    address: busAddress,
    uid: process.getuid?.() ?? 0,
    always,
    ...(busName !== undefined ? { busName } : {}),
    log,
  });
  try {
    await link.start();
  } catch (err) {
    process.stderr.write(`upstart-dbus-bridge: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    await bridge.start();
  } catch (err) {
    link.close();
    process.stderr.write(`upstart-dbus-bridge: cannot watch the bus at ${busAddress}: ${(err as Error).message}\n`);
    return 1;
  }
  let stopping = false;
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      stopping = true;
      bridge.close();
      link.close();
      resolve(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // A re-exec or a restart of init: the link connects again (signals meanwhile are lost, and counted).
    // Init gone for good, or the bus gone: exit non-zero and let the job's respawn bring the bridge back.
    void link.ended.then((why) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`upstart-dbus-bridge: ${why}; exiting (signals until the bridge is back are lost)\n`);
      bridge.close();
      resolve(1);
    });
    void bridge.gone.then((why) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`upstart-dbus-bridge: lost the bus ${busAddress}: ${why}; exiting (signals until the bridge is back are lost)\n`);
      bridge.close();
      link.close();
      resolve(1);
    });
  });
}
