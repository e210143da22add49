// The reliability probe's abusive clients as a test: uid 65534 (via setpriv) floods the real daemon; root stays served.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { INITCTL, run, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

const SETPRIV = '/usr/bin/setpriv';
const PYTHON = '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('./fixtures/abusiveClient.py', import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root (to run clients as uid 65534 with setpriv)'
  : !existsSync(SETPRIV) ? `${SETPRIV} is missing (util-linux)`
    : !existsSync(PYTHON) ? `${PYTHON} is missing` : false;
if (skip) console.log(`# skipping abusive-client tests: ${skip}`);

let d: DaemonHandle;
before(async () => {
  if (skip) return;
  // The socket is opened to everyone on purpose: the budgets, not the file mode, must hold.
  d = await startDaemon({ svc1: 'start on startup\nrespawn\nexec sleep 3600\n' }, { args: ['--socket-mode', '0666'] });
  chmodSync(d.dir, 0o755);
  await waitForStatus(d, 'svc1', 'start/running');
});
after(async () => {
  await d?.stop();
});

interface Abuser {
  proc: ChildProcess;
  stats: Record<string, number>;
  release(): Promise<void>;
}

/** Runs the abusive client as uid 65534; resolves once it has opened its connections (and, for hold, classified them). */
async function abuse(mode: 'hold' | 'unread', connections: number, requests = 0): Promise<Abuser> {
  const proc = spawn(SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', PYTHON, CLIENT, mode, d.socket, String(connections), String(requests)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    const t = setTimeout(() => reject(new Error('the abusive client did not report within 120 s')), 120_000);
    rl.once('line', (l) => {
      clearTimeout(t);
      resolve(l);
    });
    proc.once('exit', (code) => reject(new Error(`the abusive client exited with ${code}`)));
  });
  return {
    proc,
    stats: JSON.parse(line) as Record<string, number>,
    async release() {
      proc.stdin!.end();
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function timed(args: string[]): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  const t0 = performance.now();
  const r = await run(INITCTL, ['--socket', d.socket, ...args], { UPSTART_SESSION: undefined, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined });
  return { ms: Math.round(performance.now() - t0), ...r };
}

function rssMiB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d.proc.pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) / 1024;
}

const logLines = (): string[] => d.stderr().split('\n').filter((l) => l !== '');

/** Waits (deadline 20 s) until the daemon's RSS has stayed within 2 MiB for a second: it has taken in what it will. */
async function rssSettled(): Promise<number> {
  let last = rssMiB();
  let since = Date.now();
  return waitUntil('the daemon\'s RSS to settle', () => {
    const now = rssMiB();
    if (Math.abs(now - last) > 2) {
      last = now;
      since = Date.now();
      return undefined;
    }
    return Date.now() - since >= 1000 ? now : undefined;
  }, 20_000, 100);
}

test('the socket mode given by --socket-mode is the one on the file', { skip }, () => {
  assert.equal(statSync(d.socket).mode & 0o777, 0o666);
});

test('uid 65534 opening 4,200 greeted idle connections keeps at most 64; root lists and stops within 1 s', { skip, timeout: 180_000 }, async () => {
  const before = logLines().length;
  const a = await abuse('hold', 4200);
  try {
    console.log(`# hold: ${JSON.stringify(a.stats)}`);
    assert.ok(a.stats.held! <= 64, JSON.stringify(a.stats));
    assert.ok(a.stats.held! > 0, JSON.stringify(a.stats));
    const list = await timed(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^svc1 start\/running, process \d+$/m);
    const stop = await timed(['stop', 'svc1']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /^svc1 stop\/waiting$/m);
    console.log(`# while held: root's list ${list.ms} ms, stop ${stop.ms} ms`);
    assert.ok(list.ms <= 1000 && stop.ms <= 1000, `list ${list.ms} ms, stop ${stop.ms} ms`);
    // A refused uid 65534 initctl says why, and exits 1 (not 141).
    const mine = await run(SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', INITCTL, '--socket', d.socket, 'list']);
    assert.equal(mine.code, 1);
    assert.match(mine.stderr, /too many connections from uid 65534 \(limit 64 per user\)/);
  } finally {
    await a.release();
  }
  const added = logLines().slice(before);
  assert.ok(added.length <= 50, `${added.length} log lines:\n${added.slice(0, 60).join('\n')}`);
  assert.equal((await timed(['start', 'svc1'])).code, 0);
});

/** One episode of `clients` non-reading connections of uid 65534: RSS before, at the peak and once settled after; root's list meanwhile. */
async function unreadEpisode(clients: number, requests: number): Promise<{ base: number; peak: number; after: number; listMs: number; lines: string[] }> {
  const base = rssMiB();
  const before = logLines().length;
  let peak = base;
  const probe = setInterval(() => (peak = Math.max(peak, rssMiB())), 50);
  let listMs: number;
  try {
    const a = await abuse('unread', clients, requests);
    try {
      await rssSettled();
      const list = await timed(['list']);
      assert.equal(list.code, 0, list.stderr);
      listMs = list.ms;
    } finally {
      await a.release();
    }
  } finally {
    clearInterval(probe);
  }
  const after = await rssSettled();
  return { base, peak, after, listMs, lines: logLines().slice(before) };
}

test('100 non-reading clients of uid 65534: RSS rises by at most 150 MB, root lists within 1 s, ≤ 50 log lines; again: no growth', { skip, timeout: 240_000 }, async () => {
  const one = await unreadEpisode(100, 3000);
  console.log(`# RSS ${one.base.toFixed(0)} MiB before, ${one.peak.toFixed(0)} MiB peak, ${one.after.toFixed(0)} MiB after; root's list ${one.listMs} ms`);
  assert.ok(one.peak - one.base <= 150, `RSS rose by ${(one.peak - one.base).toFixed(0)} MiB`);
  assert.ok(one.listMs <= 1000, `list took ${one.listMs} ms`);
  assert.ok(one.lines.length <= 50, `${one.lines.length} log lines:\n${one.lines.slice(0, 60).join('\n')}`);
  // Node keeps the heap it grew, but a second episode reuses it instead of adding as much again.
  const two = await unreadEpisode(100, 3000);
  console.log(`# again: RSS ${two.base.toFixed(0)} MiB before, ${two.peak.toFixed(0)} MiB peak, ${two.after.toFixed(0)} MiB after`);
  assert.ok(two.peak - one.peak <= 30, `the second episode peaked ${(two.peak - one.peak).toFixed(0)} MiB above the first`);
});

test('20 non-reading clients with 5,000 journal requests each: at most 50 daemon log lines', { skip, timeout: 180_000 }, async () => {
  const before = logLines().length;
  const a = await abuse('unread', 20, 5000);
  try {
    await rssSettled();
    assert.equal((await timed(['list'])).code, 0);
  } finally {
    await a.release();
  }
  const added = logLines().slice(before);
  assert.ok(added.length <= 50, `${added.length} log lines:\n${added.slice(0, 60).join('\n')}`);
});

test('the daemon is up and still answers after all of it', { skip }, async () => {
  assert.equal(d.proc.exitCode, null);
  const r = await timed(['status', 'svc1']);
  assert.equal(r.code, 0, r.stderr);
});
