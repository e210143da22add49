// `watchdog SECONDS` through the real daemon: a main process that stops sending WATCHDOG=1 is killed with ABRT and respawned; the reason is logged and in status.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { startDaemon, waitForFile, waitUntil, jobStatus, type DaemonHandle } from './harness.ts';

/**
 * A daemon linked with libsystemd in a few lines of python3: it writes its environment, pings
 * WATCHDOG=1 every 0.2 s while the file STOPFILE is absent, then hangs without pinging.
 */
const PINGER = `import os, socket, time
out = os.environ["OUT"]
with open(out + ".env." + str(os.getpid()), "w") as f:
    f.write(os.environ.get("WATCHDOG_USEC", "-") + " " + os.environ.get("WATCHDOG_PID", "-") + " " + os.environ.get("NOTIFY_SOCKET", "-") + "\\n")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n = 0
while True:
    if not os.path.exists(out + ".stop"):
        s.sendto(b"WATCHDOG=1", os.environ["NOTIFY_SOCKET"])
        n += 1
        with open(out + ".pings." + str(os.getpid()), "w") as f:
            f.write(str(n))
    time.sleep(0.2)
`;

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({ noping: `watchdog 0.5\nexec sleep 6811\n` });
  const py = join(d.dir, 'pinger.py');
  writeFileSync(py, PINGER);
  d.writeJob('pinger', `respawn\nwatchdog 1\nkill timeout 2\nexec /usr/bin/python3 ${py}\n`);
  await waitUntil('the pinger job to be loaded', async () => ((await d.initctl(['status', 'pinger'])).code === 0 ? true : undefined));
});
after(async () => {
  await d?.stop();
});

test('a watchdog 1 job gets WATCHDOG_USEC, WATCHDOG_PID (its own pid) and NOTIFY_SOCKET; pinging keeps it; when it stops pinging it is killed and respawned', async () => {
  const out = join(d.dir, 'pinger');
  assert.equal((await d.initctl(['start', 'pinger', `OUT=${out}`])).code, 0);
  const first = (await jobStatus(d, 'pinger')).pid!;
  const env = (await waitForFile(`${out}.env.${first}`)).trim().split(' ');
  assert.deepEqual(env, ['1000000', String(first), `${d.socket}.notify`]);
  // Pings every 0.2 s: after 15 pings (3 intervals at least) it is still the same process.
  await waitUntil('15 pings', () => { try { return Number(readFileSync(`${out}.pings.${first}`, 'utf8')) >= 15 ? true : undefined; } catch { return undefined; } });
  assert.equal((await jobStatus(d, 'pinger')).pid, first, 'killed while it pinged');
  assert.doesNotMatch(d.stderr(), /watchdog: no WATCHDOG=1/);
  // Stops pinging: killed with ABRT within about a second, and respawned with a new pid.
  writeFileSync(`${out}.stop`, '');
  const second = await waitUntil('pinger to be respawned', async () => {
    const s = await jobStatus(d, 'pinger');
    return s.pid !== undefined && s.pid !== first && s.state === 'running' ? s.pid : undefined;
  });
  assert.match(d.stderr(), new RegExp(`pinger watchdog: no WATCHDOG=1 for 1 s: main process ${first} killed with ABRT`));
  assert.match(d.stderr(), /pinger main process \(\d+\) killed by ABRT signal/);
  const st = (await d.initctl(['status', 'pinger'])).stdout;
  assert.match(st, new RegExp(`^pinger start/running, process ${second}\\n\\twatchdog: no WATCHDOG=1 for 1 s: main process ${first} killed with ABRT at \\S+\\n$`));
  const json = JSON.parse((await d.initctl(['status', '--json', 'pinger'])).stdout) as Array<{ readiness?: { watchdog?: { usec: number; timeouts: number } } }>;
  assert.equal(json[0]!.readiness?.watchdog?.usec, 1_000_000);
  assert.ok(json[0]!.readiness!.watchdog!.timeouts >= 1);
  // The respawned one pings again (the stop file still exists, so it will be killed again: stop the job).
  assert.ok((await waitForFile(`${out}.env.${second}`)).startsWith(`1000000 ${second} `));
  assert.equal((await d.initctl(['stop', 'pinger'])).code, 0);
});

test('a job without respawn that never pings is killed once and stops as failed', async () => {
  assert.equal((await d.initctl(['start', 'noping'])).code, 0);
  await waitUntil('noping to be killed and stop', () => /noping main process \(\d+\) killed by ABRT signal/.test(d.stderr()) ? true : undefined);
  await waitUntil('noping stop/waiting', async () => ((await jobStatus(d, 'noping')).goal === 'stop' ? true : undefined));
  assert.match(d.stderr(), /noping watchdog: no WATCHDOG=1 for 0.5 s: main process \d+ killed with ABRT/);
});

test('after a re-exec the watchdog still watches the main process that kept running', async () => {
  const out = join(d.dir, 'pinger2');
  assert.equal((await d.initctl(['start', 'pinger', `OUT=${out}`])).code, 0);
  const first = (await jobStatus(d, 'pinger')).pid!;
  await waitForFile(`${out}.env.${first}`);
  assert.equal((await d.initctl(['reexec'])).code, 0);
  await waitUntil('the new image to answer with the same main pid', async () => ((await jobStatus(d, 'pinger').catch(() => undefined))?.pid === first ? true : undefined));
  writeFileSync(`${out}.stop`, '');
  await waitUntil('pinger to be respawned after the re-exec', async () => {
    const s = await jobStatus(d, 'pinger');
    return s.pid !== undefined && s.pid !== first && s.state === 'running' ? true : undefined;
  });
  assert.match(d.stderr(), new RegExp(`pinger watchdog: no WATCHDOG=1 for 1 s: main process ${first} killed with ABRT`));
  assert.equal((await d.initctl(['stop', 'pinger'])).code, 0);
});
