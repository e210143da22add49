// Privileged: upstart-netlink-bridge in its own network namespace (unshare --net): a dummy link added, set up, removed makes Upstart's net-device events; a restart announces what changed while it was down.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startDaemon, waitForFile, waitUntil, type DaemonHandle } from '../../integration/harness.ts';

/** A link type this kernel has: dummy, else bridge (one device either way; its name is ours to choose). */
let linkType = 'dummy';
function usable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (unshare --net)';
  let err = '';
  for (const t of ['dummy', 'bridge']) {
    const r = spawnSync('/usr/bin/unshare', ['--net', '/usr/sbin/ip', 'link', 'add', 'probe0', 'type', t], { encoding: 'utf8' });
    if (r.status === 0) {
      linkType = t;
      return undefined;
    }
    err = r.stderr.trim();
  }
  return `unshare --net with a dummy or bridge link does not work here: ${err}`;
}
const why = usable();
if (why) console.log(`# skipping the netlink bridge: ${why}`);
const skip = why || false;

let d: DaemonHandle;
let bridge: ChildProcess | undefined;
let bridgeErr = '';
/** The namespace stays while a process holds it: a sleep started in it, whose namespace the bridges join. */
let holder: ChildProcess | undefined;

/** The net-device events in the daemon's journal, as `NAME IFACE` strings. */
async function netEvents(): Promise<string[]> {
  const r = await d.initctl(['events', '--json']);
  return r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; name?: string; env?: string[] })
    .filter((e) => e.kind === 'event' && e.name!.startsWith('net-device-'))
    .map((e) => `${e.name} ${e.env!.find((x) => x.startsWith('IFACE='))!.slice(6)}`);
}

function ip(...args: string[]): void {
  const r = spawnSync('/usr/bin/nsenter', [`--net=/proc/${holder!.pid}/ns/net`, '/usr/sbin/ip', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function startBridge(): void {
  bridgeErr = '';
  bridge = spawn('/usr/bin/nsenter', [`--net=/proc/${holder!.pid}/ns/net`, process.execPath, join(ROOT, 'bin/upstart-netlink-bridge'), '--debug', '--state', join(d.dir, 'links')], {
    env: { ...process.env, UPSTART_SESSION: `unix:path=${d.socket}` }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  bridge.stderr!.setEncoding('utf8').on('data', (s: string) => { bridgeErr += s; });
}

async function stopBridge(): Promise<void> {
  const b = bridge!;
  if (b.exitCode === null) {
    const gone = new Promise((r) => b.once('exit', r));
    b.kill('SIGTERM');
    await gone;
  }
}

before(async () => {
  if (skip) return;
  d = await startDaemon({});
  d.writeJob('dummy-up', `task\nstart on net-device-up IFACE=dummy0\nexec sh -c 'echo "$IFACE $LOGICAL $UPSTART_EVENTS" > "${d.dir}/up.out"'\n`);
  d.writeJob('dummy-added', `task\nstart on net-device-added INTERFACE=dummy*\nexec sh -c 'echo "$INTERFACE $SUBSYSTEM $ACTION" >> "${d.dir}/added.out"'\n`);
  await d.initctl(['reload-configuration']);
  holder = spawn('/usr/bin/unshare', ['--net', '/bin/sleep', '600'], { stdio: 'ignore' });
  // The pid is there at once, but until unshare(2) has run it names the machine's own namespace: a bridge or an
  // ip entering it then would see (or change) the machine's links.
  const own = readlinkSync('/proc/self/ns/net');
  await waitUntil('the namespace holder to be in its own network namespace', () => {
    if (holder!.pid === undefined) return undefined;
    try {
      return readlinkSync(`/proc/${holder!.pid}/ns/net`) !== own ? true : undefined;
    } catch {
      return undefined;
    }
  });
});

after(async () => {
  if (bridge && bridge.exitCode === null) bridge.kill('SIGKILL');
  holder?.kill('SIGKILL');
  await d?.stop();
});

test('first start announces the links there are (lo); a dummy link added, set up and deleted makes added, up, down, removed', { skip }, async () => {
  startBridge();
  await waitUntil('lo to be announced', async () => ((await netEvents()).includes('net-device-added lo') ? true : undefined));
  ip('link', 'add', 'dummy0', 'type', linkType);
  assert.equal(await waitForFile(join(d.dir, 'added.out')), 'dummy0 net add\n');
  ip('link', 'set', 'dummy0', 'up');
  assert.equal(await waitForFile(join(d.dir, 'up.out')), 'dummy0 dummy0 net-device-up\n');
  ip('link', 'del', 'dummy0');
  await waitUntil('down and removed', async () => ((await netEvents()).includes('net-device-removed dummy0') ? true : undefined));
  assert.deepEqual((await netEvents()).filter((e) => e.endsWith('dummy0')), ['net-device-added dummy0', 'net-device-up dummy0', 'net-device-down dummy0', 'net-device-removed dummy0']);
});

test('a restarted bridge announces only what changed while it was down, and says so', { skip }, async () => {
  await stopBridge();
  const before = (await netEvents()).length;
  ip('link', 'add', 'dummy1', 'type', linkType);
  startBridge();
  await waitUntil('dummy1 to be announced late', async () => ((await netEvents()).includes('net-device-added dummy1') ? true : undefined));
  assert.match(bridgeErr, /restarted: link changes while no bridge ran are announced now, late/);
  // lo is not announced again.
  assert.deepEqual((await netEvents()).slice(before), ['net-device-added dummy1']);
  await stopBridge();
});
