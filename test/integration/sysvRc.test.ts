// upstart-rc against the real daemon: a temporary rc tree's scripts run in dependency order as services, jobs wait on them, a job file shadows its script.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run, startDaemon, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
let root: string;
let ranFile: string;

/** An LSB init script that notes each action it is given, and answers status from a flag file. */
function script(name: string, requires: string, extra = ''): string {
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${name}
# Required-Start:    ${requires}
# Required-Stop:     ${requires}
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: test service ${name}
### END INIT INFO
${extra}
echo "${name} $1" >> '${ranFile}'
case "$1" in
  start) touch '${root}/${name}.up'; echo "Starting ${name}" ;;
  stop) rm -f '${root}/${name}.up'; echo "Stopping ${name}" ;;
  status) if [ -e '${root}/${name}.up' ]; then echo "${name} is running"; exit 0; else echo "${name} is not running"; exit 3; fi ;;
  *) echo "Usage: $0 {start|stop|status}"; exit 1 ;;
esac
`;
}

function install(name: string, text: string, links: string[]): void {
  const path = join(root, 'etc', 'init.d', name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  for (const l of links) symlinkSync(`../init.d/${name}`, join(root, 'etc', `rc${l[0]}.d`, l.slice(1)));
}

/** The daemon's event journal: `NAME KEY=VALUE...` per event. */
async function events(): Promise<string[]> {
  const r = await d.initctl(['events', '--json']);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; name?: string; env?: string[] })
    .filter((e) => e.kind === 'event').map((e) => [e.name, ...e.env!].join(' '));
}

const ran = (): string[] => readFileSync(ranFile, 'utf8').trim().split('\n');

before(async () => {
  d = await startDaemon({});
  root = join(d.dir, 'root');
  ranFile = join(d.dir, 'ran');
  writeFileSync(ranFile, '');
  for (const dir of ['init.d', 'rc0.d', 'rc2.d']) mkdirSync(join(root, 'etc', dir), { recursive: true });
  install('a', script('a', ''), ['2S01a', '0K02a']);
  // b needs a, and takes its time, so that c (same number, no dependency) visibly runs beside it.
  install('b', script('b', 'a', 'sleep 0.3'), ['2S02b', '0K01b']);
  install('c', script('c', ''), ['2S02c', '0K01c']);
  install('shadowed', script('shadowed', ''), ['2S03shadowed', '0K01shadowed']);
  d.writeJob('rc', `start on runlevel [0123]\nexport RUNLEVEL\nexport PREVLEVEL\ntask\nexec ${process.execPath} ${join(ROOT, 'bin/upstart-rc')} --root ${root} $RUNLEVEL\n`);
  d.writeJob('after-b', 'start on started b\nexec sleep 6902\n');
  d.writeJob('shadowed', 'exec sleep 6903\n');
  await d.initctl(['reload-configuration']);
});

after(async () => {
  await d?.stop();
});

test('runlevel 2: S scripts with start in dependency order; the job waiting on b starts after it; the shadowed script is not run', async () => {
  const r = await d.initctl(['emit', 'runlevel', 'RUNLEVEL=2', 'PREVLEVEL=N']);
  assert.equal(r.code, 0, r.stderr);
  const order = ran();
  assert.deepEqual([...order].sort(), ['a start', 'b start', 'c start']);
  assert.equal(order[0], 'a start');
  // c does not wait for b: it started while b was still sleeping.
  assert.deepEqual(order.slice(1), ['c start', 'b start']);
  const ev = await events();
  for (const name of ['a', 'b', 'c']) {
    assert.ok(ev.includes(`starting JOB=${name} INSTANCE= SYSV=1`), `starting ${name}: ${ev.join('\n')}`);
    assert.ok(ev.includes(`started JOB=${name} INSTANCE= SYSV=1`), `started ${name}`);
  }
  assert.ok(!ev.some((e) => e.includes('JOB=shadowed')), 'the shadowed script has no events: its job owns the name');
  const startedB = ev.indexOf('started JOB=b INSTANCE= SYSV=1');
  const startingAfter = ev.indexOf('starting JOB=after-b INSTANCE=');
  assert.ok(startedB !== -1 && startingAfter > startedB, 'after-b starts on started b');
  const startedA = ev.indexOf('started JOB=a INSTANCE= SYSV=1');
  assert.ok(startedA < ev.indexOf('starting JOB=b INSTANCE= SYSV=1'), 'b starts after a has started');
  const list = (await d.initctl(['list'])).stdout;
  assert.match(list, /^a \(sysv\) start\/running$/m);
  assert.match(list, /^b \(sysv\) start\/running$/m);
  assert.match(list, /^after-b start\/running, process \d+$/m);
  assert.match(list, /^shadowed stop\/waiting$/m);
  assert.equal((await d.initctl(['status', 'b'])).stdout, 'b (sysv) start/running\n');
});

test('upstart-service: b status from its script, a job through init, --status-all for both', async () => {
  const env = { UPSTART_SESSION: `unix:path=${d.socket}` };
  const service = (args: string[]): Promise<{ stdout: string; stderr: string; code: number }> => run(join(ROOT, 'bin/upstart-service'), ['--root', root, ...args], env);
  assert.deepEqual(await service(['b', 'status']), { stdout: 'b is running\n', stderr: '', code: 0 });
  const job = await service(['after-b', 'status']);
  assert.match(job.stdout, /^after-b start\/running, process \d+\n$/);
  assert.equal(job.code, 0);
  // start of a running job does nothing and succeeds, as in service(8).
  assert.deepEqual(await service(['after-b', 'start']), { stdout: '', stderr: '', code: 0 });
  const all = await service(['--status-all']);
  assert.equal(all.code, 0);
  assert.equal(all.stdout, ' [ + ]  a\n [ + ]  b\n [ + ]  c\n [ - ]  shadowed\n');
  assert.deepEqual(await service(['nosuch', 'start']), { stdout: '', stderr: 'nosuch: unrecognized service\n', code: 1 });
  const usage = await service([]);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /^Usage: service < option > \| --status-all/);
});

test('a script that fails or is not executable: reported in its stopped event, and the runlevel goes on', async () => {
  // A second pass at runlevel 3 with two bad scripts and a good one after them.
  mkdirSync(join(root, 'etc', 'rc3.d'));
  install('broken', script('broken', '', 'echo "broken $1" >> \'' + ranFile + '\'; exit 7'), ['3S01broken']);
  install('noexec', script('noexec', ''), ['3S01noexec']);
  chmodSync(join(root, 'etc', 'init.d', 'noexec'), 0o644);
  install('late', script('late', ''), ['3S02late']);
  const r = await d.initctl(['emit', 'runlevel', 'RUNLEVEL=3', 'PREVLEVEL=N']);
  assert.equal(r.code, 0, r.stderr);
  const ev = await events();
  assert.ok(ev.includes('stopped JOB=broken INSTANCE= SYSV=1 RESULT=failed PROCESS=main EXIT_STATUS=7 SYSV_REASON=exited with status 7'), ev.join('\n'));
  assert.ok(ev.includes('stopped JOB=noexec INSTANCE= SYSV=1 RESULT=failed PROCESS=main SYSV_REASON=not executable'));
  assert.ok(ev.includes('started JOB=late INSTANCE= SYSV=1'));
  assert.match(readFileSync(join(d.logdir, 'rc.log'), 'utf8'), /S01broken: start failed: exited with status 7/);
});

test('starting blocks: a job on starting h starts before h runs; a hanging script is killed at --timeout and reported', async () => {
  mkdirSync(join(root, 'etc', 'rc4.d'));
  install('h', script('h', ''), ['4S01h']);
  install('hang', script('hang', '', 'exec sleep 6904'), ['4S02hang']);
  install('next', script('next', ''), ['4S03next']);
  d.writeJob('before-h', `start on starting h\npre-start exec sleep 0.3\nexec sleep 6905\n`);
  // rc (runlevels 0-3) leaves runlevel 4 to this one, with a short timeout.
  d.writeJob('rc4', `start on runlevel 4\ntask\nexec ${process.execPath} ${join(ROOT, 'bin/upstart-rc')} --timeout 1 --root ${root} 4\n`);
  await d.initctl(['reload-configuration']);
  const r = await d.initctl(['emit', 'runlevel', 'RUNLEVEL=4', 'PREVLEVEL=N']);
  assert.equal(r.code, 0, r.stderr);
  const ev = await events();
  // h's script ran only once before-h was running: its started event comes before h's.
  assert.ok(ev.indexOf('started JOB=before-h INSTANCE=') < ev.indexOf('started JOB=h INSTANCE= SYSV=1'), ev.join('\n'));
  assert.ok(ev.includes('stopped JOB=hang INSTANCE= SYSV=1 RESULT=failed PROCESS=main EXIT_SIGNAL=KILL SYSV_REASON=timed out after 1 s'), ev.join('\n'));
  assert.ok(ev.includes('started JOB=next INSTANCE= SYSV=1'), 'the runlevel went on past the hung script');
});

test('runlevel 0: K scripts with stop, b before a (b needs a until it has stopped)', async () => {
  writeFileSync(ranFile, '');
  const r = await d.initctl(['emit', 'runlevel', 'RUNLEVEL=0', 'PREVLEVEL=2']);
  assert.equal(r.code, 0, r.stderr);
  const order = ran();
  assert.deepEqual([...order].sort(), ['a stop', 'b stop', 'c stop']);
  assert.equal(order[2], 'a stop');
  const ev = await events();
  assert.ok(ev.includes('stopped JOB=b INSTANCE= SYSV=1 RESULT=ok PROCESS=main EXIT_STATUS=0'));
  assert.match((await d.initctl(['list'])).stdout, /^b \(sysv\) stop\/waiting$/m);
  assert.equal((await d.initctl(['status', 'b'])).stdout, 'b (sysv) stop/waiting\n');
  const st = await run(join(ROOT, 'bin/upstart-service'), ['--root', root, 'b', 'status'], { UPSTART_SESSION: `unix:path=${d.socket}` });
  assert.deepEqual(st, { stdout: 'b is not running\n', stderr: '', code: 3 });
});

test('upstart-rc: bad arguments are usage errors', async () => {
  const r = await run(join(ROOT, 'bin/upstart-rc'), ['7'], { UPSTART_SESSION: `unix:path=${d.socket}` });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid runlevel: 7/);
});
