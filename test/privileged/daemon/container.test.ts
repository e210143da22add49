// Privileged: the daemon as a container's PID 1 in `unshare --user --map-root-user --pid --fork --mount --mount-proc`, no runtime markers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendants, runsNode, killIfAlive, run, UPSTART, INITCTL, waitUntil } from '../../integration/harness.ts';

const UNSHARE = '/usr/bin/unshare';
const NSENTER = '/usr/bin/nsenter';
const why = process.getuid?.() !== 0 ? 'needs root (user and PID namespaces)'
  : !existsSync(UNSHARE) || spawnSync(UNSHARE, ['--user', '--map-root-user', '--pid', '--fork', '--mount', '--mount-proc', '/bin/true']).status !== 0 ? 'needs unshare (util-linux) and user namespaces'
    : !existsSync(NSENTER) ? 'needs nsenter (util-linux)' : '';
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
 * The daemon as PID 1 of new user, PID and mount namespaces, with a tmpfs on /run (so the system
 * socket, /run/upstart/control.sock, is the namespace's own), no `container` variable and no
 * KUBERNETES_SERVICE_HOST. `@DIR` in args is the test's directory.
 */
function container(jobs: Record<string, string>, args: string[]): Ns {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-ctr-'));
  mkdirSync(join(dir, 'conf'));
  for (const [name, text] of Object.entries(jobs)) writeFileSync(join(dir, 'conf', `${name}.conf`), text.replaceAll('@DIR', dir));
  const env: Record<string, string | undefined> = { ...process.env, container: undefined, KUBERNETES_SERVICE_HOST: undefined, UPSTART_SESSION: undefined, UPSTART_EXIT_WITH: undefined };
  const unshare = spawn(UNSHARE, ['--user', '--map-root-user', '--pid', '--fork', '--mount', '--mount-proc',
    '/bin/sh', '-c', 'mount -t tmpfs tmpfs /run && exec "$0" "$@"', process.execPath, UPSTART, '--confdir', join(dir, 'conf'), ...args.map((a) => a.replaceAll('@DIR', dir))], {
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

/** `docker exec C initctl ARGS`: initctl run inside the daemon's namespaces with an empty environment, no flags. */
function dockerExec(daemon: number, args: string[]) {
  return run(NSENTER, ['--target', String(daemon), '--user', '--mount', '--pid', '--preserve-credentials', '/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', INITCTL, ...args]);
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
  const st = await dockerExec(daemon, ['status', 'web']);
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
  const n = container({ svc: "start on startup\nexec sh -c 'echo svc up; exec sleep 6703'\npost-stop exec sh -c 'echo \"$EXIT_SIGNAL\" > @DIR/svc.stopped'\n" }, []);
  await listening(n);
  assert.match(n.err().split('\n')[0]!, /^upstart: container: PID 1 of a PID namespace that is not the machine's first \(pid:\[\d+\]\)$/);
  const daemon = await n.daemon();
  await waitUntil('svc to write', () => n.out().includes('svc up'));
  process.kill(daemon, 'SIGTERM');
  assert.equal(await n.exited, 0, n.err());
  assert.equal(readFileSync(join(n.dir, 'svc.stopped'), 'utf8'), 'TERM\n');
  assert.doesNotMatch(n.err(), /re-exec/);
});
