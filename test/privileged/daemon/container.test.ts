// Privileged: the daemon as a container's PID 1 in `unshare --user --map-root-user --pid --fork --mount --mount-proc`, no runtime markers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdline, descendants, runsNode, killIfAlive, ROOT, run, UPSTART, INITCTL, waitUntil } from '../../integration/harness.ts';

const UNSHARE = '/usr/bin/unshare';
const NSENTER = '/usr/bin/nsenter';
const why = process.getuid?.() !== 0 ? 'needs root (user and PID namespaces)'
  : !existsSync(UNSHARE) || spawnSync(UNSHARE, ['--user', '--map-root-user', '--pid', '--fork', '--mount', '--mount-proc', '/bin/true']).status !== 0 ? 'needs unshare (util-linux) and user namespaces'
    : !existsSync(NSENTER) ? 'needs nsenter (util-linux)' : !existsSync('/srv') || !existsSync('/var/log') ? 'needs /srv and /var/log to mount over' : '';
if (why) console.log(`# skipping the container PID 1 tests: ${why}`);

interface Ns {
  dir: string;
  unshare: ChildProcess;
  out(): string;
  err(): string;
  /** unshare's exit status: the daemon's (unshare --fork passes it on). */
  exited: Promise<number | null>;
  /** The daemon's pid as the host sees it, once it is PID 1 of the namespace. */
  daemon(): Promise<number>;
}

const started: Ns[] = [];
after(() => {
  for (const n of started) {
    if (n.unshare.exitCode === null && n.unshare.pid !== undefined) {
      for (const p of descendants(n.unshare.pid)) killIfAlive(p);
      n.unshare.kill('SIGKILL');
    }
    rmSync(n.dir, { recursive: true, force: true });
  }
});

/**
 * The daemon as PID 1 of new user, PID and mount namespaces (and a network namespace with `net`),
 * with tmpfs on /run, /var/log and /srv (so the system socket, the default log directory and what
 * the example writes are the namespace's own), no `container` variable and no
 * KUBERNETES_SERVICE_HOST. `@DIR` in job files and args is the test's directory.
 */
function container(jobs: Record<string, string>, args: string[], net = false, extraEnv: Record<string, string> = {}): Ns {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-ctr-'));
  mkdirSync(join(dir, 'conf'));
  for (const [name, text] of Object.entries(jobs)) writeFileSync(join(dir, 'conf', `${name}.conf`), text.replaceAll('@DIR', dir));
  const env: Record<string, string | undefined> = { ...process.env, container: undefined, KUBERNETES_SERVICE_HOST: undefined, UPSTART_SESSION: undefined, UPSTART_EXIT_WITH: undefined, ...extraEnv };
  const setup = ['mount -t tmpfs tmpfs /run', 'mount -t tmpfs tmpfs /var/log', 'mount -t tmpfs tmpfs /srv', ...(net ? ['/usr/sbin/ip link set lo up'] : []), 'exec "$0" "$@"'].join(' && ');
  const unshare = spawn(UNSHARE, ['--user', '--map-root-user', '--pid', '--fork', '--mount', '--mount-proc', ...(net ? ['--net'] : []),
    '/bin/sh', '-c', setup, process.execPath, UPSTART, '--confdir', join(dir, 'conf'), ...args.map((a) => a.replaceAll('@DIR', dir))], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  let err = '';
  unshare.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  unshare.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<number | null>((r) => unshare.once('close', (code) => r(code)));
  const n: Ns = {
    dir, unshare, exited, out: () => out, err: () => err,
    daemon: () => waitUntil('the daemon as PID 1 of its namespace', () => descendants(unshare.pid!).find((p) => {
      if (!runsNode(p)) return false;
      try { return /^NSpid:\s+\d+\s+1$/m.test(readFileSync(`/proc/${p}/status`, 'utf8')); } catch { return false; }
    })),
  };
  started.push(n);
  return n;
}

const listening = (n: Ns) => waitUntil('the daemon to listen', () => n.err().includes(' mode: socket ') || n.unshare.exitCode !== null, 30_000);

/** `docker exec C PROGRAM ARGS`: run inside the daemon's namespaces with an empty environment (PATH only). */
function dockerExec(daemon: number, argv: string[], net = false) {
  return run(NSENTER, ['--target', String(daemon), '--user', '--mount', '--pid', ...(net ? ['--net'] : []), '--preserve-credentials', '/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', ...argv]);
}

test('--container: SIGTERM stops two jobs in stop-on order, within their kill timeouts, and the daemon exits 0; lines prefixed; --logdir; initctl with no flags', { skip: why || false, timeout: 120_000 }, async () => {
  const order = '@DIR/order';
  const n = container({
    // db ignores SIGTERM: it is killed when its kill timeout (2 s) runs out.
    db: `start on startup\nkill timeout 2\nscript\n  trap 'echo "db got TERM" >> ${order}' TERM\n  echo db ready\n  while :; do sleep 0.05 || :; done\nend script\npost-stop exec sh -c 'echo "db stopped $EXIT_SIGNAL" >> ${order}'\n`,
    web: `start on started db\nstop on stopping db\nkill timeout 2\nscript\n  trap 'echo "web got TERM" >> ${order}; echo web bye; exit 0' TERM\n  echo web serving\n  while :; do sleep 0.05 || :; done\nend script\npost-stop exec sh -c 'echo "web stopped" >> ${order}'\n`,
  }, ['--container', '--logdir', '@DIR/log']);
  await listening(n);
  assert.match(n.err().split('\n')[0]!, /^upstart: container: --container given$/);
  const daemon = await n.daemon();
  await waitUntil('both jobs to write', () => n.out().includes('db ready') && n.out().includes('web serving'));

  // docker exec C initctl status web: the system socket inside the container, no flags, no UPSTART_SESSION.
  const st = await dockerExec(daemon, [INITCTL, 'status', 'web']);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, /^web start\/running, process \d+\n$/);

  const t0 = Date.now();
  process.kill(daemon, 'SIGTERM');
  assert.equal(await n.exited, 0, n.err());
  const took = Date.now() - t0;
  assert.ok(took < 2000 + 2000 + 3000, `shutdown took ${took} ms (kill timeouts 2 s + 2 s)`);
  // web (stop on stopping db) is stopped to its end before db is told to stop.
  assert.deepEqual(readFileSync(join(n.dir, 'order'), 'utf8').trim().split('\n'), ['web got TERM', 'web stopped', 'db got TERM', 'db stopped KILL']);
  const lines = n.out().split('\n');
  for (const want of [/^db +\| db ready$/, /^web +\| web serving$/, /^web +\| web bye$/]) assert.ok(lines.some((l) => want.test(l)), `${want} in ${n.out()}`);
  // The job's own lines, without labels (sh may add `Terminated` for the sleep the TERM killed).
  const webLog = readFileSync(join(n.dir, 'log', 'web.log'), 'utf8');
  assert.ok(webLog.startsWith('web serving\n') && webLog.endsWith('web bye\n'), webLog);
  assert.ok(readFileSync(join(n.dir, 'log', 'db.log'), 'utf8').startsWith('db ready\n'));
});

test('--exit-with main: main exits 7, the others are stopped first, the daemon exits 7', { skip: why || false, timeout: 120_000 }, async () => {
  const n = container({
    side: "start on startup\nexec sh -c 'echo side up; exec sleep 6702'\npost-stop exec sh -c 'echo \"side stopped $EXIT_SIGNAL\" > @DIR/side.stopped'\n",
    main: "start on started side\nexec sh -c 'echo main runs; sleep 0.3; exit 7'\n",
  }, ['--container', '--exit-with', 'main']);
  assert.equal(await n.exited, 7, n.err());
  assert.equal(readFileSync(join(n.dir, 'side.stopped'), 'utf8'), 'side stopped TERM\n');
  assert.match(n.out(), /^main +\| main runs$/m);
  assert.match(n.err(), /main stopped for good \(main process exited 7\)/);
});

test('PID 1 without --container in a PID namespace that is not the first: SIGTERM is a shutdown, not a re-exec', { skip: why || false, timeout: 120_000 }, async () => {
  // (Job names unlike other tests': PID 1 daemons of sibling namespaces share the cgroup base `upstart`.)
  const n = container({ nsjob: "start on startup\nexec sh -c 'echo nsjob up; exec sleep 6703'\npost-stop exec sh -c 'echo \"$EXIT_SIGNAL\" > @DIR/nsjob.stopped'\n" }, []);
  await listening(n);
  assert.match(n.err().split('\n')[0]!, /^upstart: container: PID 1 of a PID namespace that is not the machine's first \(pid:\[\d+\]\)$/);
  const daemon = await n.daemon();
  await waitUntil('nsjob to write', () => n.out().includes('nsjob up'));
  // No --logdir: the journal is in /var/log/upstart, and no job log file is written.
  const ls = await dockerExec(daemon, ['/bin/ls', '/var/log/upstart']);
  assert.equal(ls.stdout, 'upstart-events.jsonl\n', ls.stderr);
  process.kill(daemon, 'SIGTERM');
  assert.equal(await n.exited, 0, n.err());
  assert.equal(readFileSync(join(n.dir, 'nsjob.stopped'), 'utf8'), 'TERM\n');
  assert.doesNotMatch(n.err(), /re-exec/);
});

const NODE_ON_JOB_PATH = ['/usr/local/bin/node', '/usr/bin/node', '/bin/node'].some((p) => existsSync(p));
const exampleWhy = why || (!NODE_ON_JOB_PATH ? 'the example web job runs node, which is not on the jobs\' PATH here' : !existsSync('/usr/sbin/ip') ? 'needs ip (iproute2) to bring up lo' : '');

test('examples/container: its jobs as the image runs them (setup, web, worker); docker exec; docker stop stops worker before web', { skip: exampleWhy || false, timeout: 120_000 }, async () => {
  const src = join(ROOT, 'examples', 'container', 'init');
  const jobs: Record<string, string> = {};
  for (const f of readdirSync(src).filter((x) => x.endsWith('.job'))) jobs[f.replace(/\.job$/, '')] = readFileSync(join(src, f), 'utf8');
  // As the image: ENTRYPOINT upstart --container, ENV UPSTART_EXIT_WITH=web; --logdir only to read the journal afterwards.
  const n = container(jobs, ['--container', '--logdir', '@DIR/log'], true, { UPSTART_EXIT_WITH: 'web' });
  await listening(n);
  const daemon = await n.daemon();
  await waitUntil('web to listen', () => /^web +\| listening on 8080$/m.test(n.out()));
  assert.match(n.out(), /^setup +\| prepared \/srv\/www$/m);
  const get = await dockerExec(daemon, [process.execPath, '-e', 'require("http").get("http://127.0.0.1:8080/", (r) => r.pipe(process.stdout))'], true);
  assert.equal(get.stdout, 'hello from upstart-ts\n', get.stderr);
  const list = await dockerExec(daemon, [INITCTL, 'list']);
  assert.match(list.stdout, /^setup stop\/waiting\nweb start\/running, process \d+\nworker start\/running, process \d+\n$/);
  process.kill(daemon, 'SIGTERM');
  assert.equal(await n.exited, 0, n.err());
  assert.match(n.out(), /^web +\| GET \/$/m);
  // worker (stop on stopping web) is stopped before web.
  const stopped = readFileSync(join(n.dir, 'log', 'upstart-events.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as { kind: string; name?: string; env?: string[] })
    .filter((e) => e.kind === 'event' && e.name === 'stopped').map((e) => e.env![0]);
  assert.deepEqual(stopped, ['JOB=setup', 'JOB=worker', 'JOB=web']);
});

test('two PID 1 daemons of sibling namespaces with a job of the same name: stopping one signals nothing outside its namespace', { skip: why || false, timeout: 120_000 }, async () => {
  // Both bases are `upstart` in the same cgroup (no cgroup namespace): each sees the other's twin as pid 0.
  let terms = 0;
  const count = (): void => { terms++; };
  process.on('SIGTERM', count);
  try {
    const a = container({ twin: "start on startup\nexec sh -c 'echo twin a; exec sleep 6705'\n" }, ['--container']);
    const b = container({ twin: "start on startup\nexec sh -c 'echo twin b; exec sleep 6706'\n" }, ['--container']);
    await Promise.all([listening(a), listening(b)]);
    await waitUntil('both twins to run', () => a.out().includes('twin a') && b.out().includes('twin b'));
    const da = await a.daemon();
    const db = await b.daemon();
    process.kill(da, 'SIGTERM');
    assert.equal(await a.exited, 0, a.err());
    assert.equal(terms, 0, 'the test runner (in the daemons\' process group) got no SIGTERM');
    assert.ok(descendants(b.unshare.pid!).some((p) => cmdline(p)?.join(' ') === 'sleep 6706'), 'b\'s twin still runs');
    process.kill(db, 'SIGTERM');
    assert.equal(await b.exited, 0, b.err());
  } finally {
    process.off('SIGTERM', count);
  }
});
