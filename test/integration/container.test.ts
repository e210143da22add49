// Container mode (--container, not PID 1): prefixed job lines on stdout, --logdir, --exit-with statuses, SIGTERM/SIGINT, refusals.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendants, INITCTL, killIfAlive, ROOT, run, UPSTART, waitUntil } from './harness.ts';

interface Box {
  dir: string;
  socket: string;
  proc: ChildProcess;
  out(): string;
  err(): string;
  /** The exit status (null: killed by a signal), once the daemon has exited. */
  exited: Promise<number | null>;
}

const boxes: Box[] = [];
after(() => {
  for (const b of boxes) {
    if (b.proc.exitCode === null && b.proc.pid !== undefined) {
      for (const p of descendants(b.proc.pid)) killIfAlive(p);
      b.proc.kill('SIGKILL');
    }
    rmSync(b.dir, { recursive: true, force: true });
  }
});

/**
 * Starts `upstart --container` on the jobs given, always with --logdir DIR/log (the default,
 * /var/log/upstart, is the machine's here; the privileged tests show a container without it).
 */
function box(jobs: Record<string, string>, args: string[] = [], env: Record<string, string | undefined> = {}): Box {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-ct-'));
  const confdir = join(dir, 'conf');
  mkdirSync(confdir);
  for (const [name, text] of Object.entries(jobs)) writeFileSync(join(confdir, `${name}.conf`), text);
  const socket = join(dir, 'control.sock');
  const proc = spawn(process.execPath, [UPSTART, '--container', '--confdir', confdir, '--socket', socket, '--logdir', join(dir, 'log'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, UPSTART_SESSION: undefined, UPSTART_EXIT_WITH: undefined, ...env },
  });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  // 'close': stdout and stderr are read to their end too.
  const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
  const b = { dir, socket, proc, out: () => out, err: () => err, exited };
  boxes.push(b);
  return b;
}

const listening = (b: Box) => waitUntil('the daemon to listen', () => b.err().includes(' mode: socket ') || b.proc.exitCode !== null);
const initctl = (b: Box, args: string[]) => run(INITCTL, ['--socket', b.socket, ...args], { UPSTART_SESSION: undefined, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined });

test('job lines on stdout as `job | line`, instances named; log files in --logdir; console output stays raw', async () => {
  const jobs = {
    web: "start on startup\nexec sh -c 'echo web one; echo web two; exec sleep 6601'\n",
    worker: "start on startup\ninstance $N\nexec sh -c 'echo \"worker $N\"; printf no-newline; exec sleep 6602'\n",
    starter: 'start on startup\ntask\nexec sh -c \'for n in 1 2; do initctl start worker N=$n; done\'\n',
    raw: "start on startup\nconsole output\nexec sh -c 'echo raw line; exec sleep 6603'\n",
    path: "start on startup\ntask\nexec sh -c 'echo \"PATH=$PATH\"'\n",
  };
  const logged = box(jobs);
  for (const b of [logged]) {
    await listening(b);
    await waitUntil('every line on stdout', () => ['web one', 'web two', 'worker 1', 'worker 2', 'raw line', 'PATH='].every((l) => b.out().includes(l)));
    // The workers' last bytes have no newline, so stdout has them only at the end; the log files
    // have them as soon as they are written. Stopping before the shell's printf ran would lose nothing
    // of ours but leave the line unwritten by the job.
    const logOf = (n: number) => { try { return readFileSync(join(b.dir, 'log', `worker-${n}.log`), 'utf8'); } catch { return ''; } };
    await waitUntil('both workers\' partial lines in their logs', () => logOf(1).endsWith('no-newline') && logOf(2).endsWith('no-newline'));
    b.proc.kill('SIGTERM');
    assert.equal(await b.exited, 0, b.err());
    const lines = b.out().split('\n');
    assert.ok(lines.some((l) => /^web +\| web one$/.test(l)), b.out());
    assert.ok(lines.some((l) => /^web +\| web two$/.test(l)), b.out());
    assert.ok(lines.some((l) => /^worker \(1\) +\| worker 1$/.test(l)), b.out());
    assert.ok(lines.some((l) => /^worker \(2\) +\| worker 2$/.test(l)), b.out());
    // The last line without a newline is written when the process ends (here, at shutdown).
    assert.ok(lines.some((l) => /^worker \(1\) +\| no-newline$/.test(l)), b.out());
    assert.ok(lines.includes('raw line'), 'console output: the job writes to the daemon\'s stdout itself');
    // This checkout's bin/ (its initctl) is on the jobs' PATH, after the system's directories.
    const path = lines.find((l) => l.includes('| PATH='))!;
    assert.ok(path.endsWith(`:${join(ROOT, 'bin')}`), path);
    assert.ok(path.includes('| PATH=/usr/local/sbin:'), path);
  }
  assert.equal(logged.err().split('\n')[0], 'upstart: container: --container given', 'the first log line says how the mode was chosen');
  assert.equal(existsSync(join(logged.dir, 'log', 'web.log')), true);
  assert.equal(readFileSync(join(logged.dir, 'log', 'web.log'), 'utf8'), 'web one\nweb two\n');
  assert.equal(readFileSync(join(logged.dir, 'log', 'worker-2.log'), 'utf8'), 'worker 2\nno-newline');
  assert.equal(existsSync(join(logged.dir, 'log', 'raw.log')), false);
});

test('--no-output-prefix copies the lines as they are', async () => {
  const b = box({ web: "start on startup\nexec sh -c 'echo plain line; exec sleep 6604'\n" }, ['--no-output-prefix']);
  await listening(b);
  await waitUntil('the line', () => b.out().includes('plain line'));
  b.proc.kill('SIGTERM');
  assert.equal(await b.exited, 0);
  assert.equal(b.out(), 'plain line\n');
});

test('--exit-with main: main exits 7, the others are stopped (their last lines written; one only by SIGKILL), the daemon exits 7', async () => {
  const b = box({
    main: "start on started side\nexec sh -c 'echo main working; sleep 0.5; exit 7'\n",
    side: "start on startup\nexec sh -c 'trap \"echo side got TERM; exit 0\" TERM; echo side up; while :; do sleep 0.05; done'\n",
    // Never exits on SIGTERM: killed after its kill timeout; the status still comes out as main's.
    stubborn: "start on startup\nkill timeout 1\nexec sh -c 'trap \"\" TERM; while :; do sleep 0.05 || :; done'\n",
  }, ['--exit-with', 'main']);
  const t0 = Date.now();
  const code = await b.exited;
  assert.equal(code, 7, b.err());
  assert.ok(Date.now() - t0 < 20_000);
  assert.match(b.err(), /main stopped for good \(main process exited 7\): stopping every job, then exiting 7 \(--exit-with\)/);
  const out = b.out();
  assert.ok(out.includes('main | main working\n'), out);
  assert.ok(out.includes('side | side got TERM\n'), `the last line of a job stopped at shutdown is on stdout before the exit: ${out}`);
  // The journal was written to its end: side's stopped event is its last lines.
  const journal = readFileSync(join(b.dir, 'log', 'upstart-events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; name?: string; env?: string[] });
  const stops = journal.filter((e) => e.kind === 'event' && e.name === 'stopped').map((e) => e.env![0]);
  assert.deepEqual(stops.slice(0, 1), ['JOB=main']);
  assert.deepEqual(stops.slice(1).sort(), ['JOB=side', 'JOB=stubborn']);
  assert.ok(journal.some((e) => e.kind === 'exit' && (e as { job?: string; signal?: string }).job === 'stubborn' && (e as { signal?: string }).signal === 'KILL'), 'stubborn was killed after its kill timeout');
});

test('UPSTART_EXIT_WITH; a signal gives 128+N; a requested shutdown gives 0 even with --exit-with', async () => {
  const killed = box({ main: "start on startup\nexec sh -c 'kill -KILL $$'\n" }, [], { UPSTART_EXIT_WITH: 'main' });
  assert.equal(await killed.exited, 137, killed.err());
  const asked = box({ main: 'start on startup\nexec sleep 6605\n' }, ['--exit-with=main']);
  await listening(asked);
  await waitUntil('main to run', async () => /start\/running/.test((await initctl(asked, ['status', 'main'])).stdout));
  asked.proc.kill('SIGTERM');
  assert.equal(await asked.exited, 0, asked.err());
});

test('a second SIGINT forces: a job that ignores SIGTERM with a long kill timeout is killed, the daemon exits 1', async () => {
  const b = box({ stubborn: "start on startup\nkill timeout 60\nscript\n  trap '' TERM INT\n  echo stubborn up\n  while :; do sleep 0.05; done\nend script\n" });
  await listening(b);
  await waitUntil('stubborn to run', () => b.out().includes('stubborn up'));
  b.proc.kill('SIGINT');
  await waitUntil('the first SIGINT to be taken', () => b.err().includes('SIGINT: stopping every job (SIGINT again forces it)'));
  const t0 = Date.now();
  b.proc.kill('SIGINT');
  assert.equal(await b.exited, 1, b.err());
  assert.ok(Date.now() - t0 < 10_000, `forced exit took ${Date.now() - t0} ms`);
  assert.match(b.err(), /SIGINT again: forcing the shutdown, the processes of 1 job instances killed/);
});

test('--shutdown-timeout passed: the jobs left are killed and the daemon exits 1 (a forced shutdown)', async () => {
  const b = box({ stubborn: "start on startup\nkill timeout 60\nscript\n  trap '' TERM\n  echo stubborn up\n  while :; do sleep 0.05 || :; done\nend script\n" }, ['--shutdown-timeout', '1']);
  await listening(b);
  await waitUntil('stubborn to run', () => b.out().includes('stubborn up'));
  const pids = descendants(b.proc.pid!);
  const t0 = Date.now();
  b.proc.kill('SIGTERM');
  assert.equal(await b.exited, 1, b.err());
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  assert.match(b.err(), /shutdown: still running after 1 s, going on without them: stubborn stop\/killed/);
  await waitUntil('no job process left', () => pids.every((p) => { try { process.kill(p, 0); return false; } catch { return true; } }), 5000);
});

test('refusals: --exit-with an unknown job, an unknown option, --exit-with on a machine', async () => {
  const b = box({ web: 'exec sleep 6606\n' }, ['--exit-with', 'nosuchjob']);
  assert.equal(await b.exited, 2);
  assert.match(b.err(), /--exit-with: no such job: nosuchjob \(job files are read from [^)]+\)/);
  const bad = await run(process.execPath, [UPSTART, '--container', '--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^upstart: unrecognised option '--frobnicate'\nUsage: upstart \[OPTION\]\.\.\.\n/);
  const help = await run(process.execPath, [UPSTART, '--help']);
  assert.match(help.stdout, /--container/);
  assert.match(help.stdout, /--exit-with=JOB/);
  assert.match(help.stdout, /KUBERNETES_SERVICE_HOST/);
});

test('examples/container: the job files the Dockerfile copies in pass init-checkconf', async () => {
  const src = join(ROOT, 'examples', 'container', 'init');
  const dir = mkdtempSync(join(tmpdir(), 'upstart-ct-ex-'));
  try {
    const files = readdirSync(src).filter((f) => f.endsWith('.job'));
    assert.deepEqual(files.sort(), ['setup.job', 'web.job', 'worker.job']);
    // As the Dockerfile does: NAME.job becomes /etc/init/NAME.conf.
    for (const f of files) copyFileSync(join(src, f), join(dir, f.replace(/\.job$/, '.conf')));
    const r = await run(join(ROOT, 'bin', 'init-checkconf'), files.map((f) => join(dir, f.replace(/\.job$/, '.conf'))));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((r.stdout.match(/syntax ok/g) ?? []).length, 3, r.stdout);
    assert.match(readFileSync(join(ROOT, 'examples', 'container', 'Dockerfile'), 'utf8'), /^ENTRYPOINT \["\/opt\/upstart-ts\/bin\/upstart", "--container"\]$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
