// Every console mode through the real daemon (log, none, output, owner), --default-console and --no-log.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitUntil, type DaemonHandle } from './harness.ts';

const daemons: DaemonHandle[] = [];
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
});

/** A task job with `console MODE` (none: no stanza) that prints one line on stdout and one on stderr. */
function job(mode: string | null, tag: string): string {
  const stanza = mode === null ? '' : `console ${mode}\n`;
  return `task\n${stanza}script\n  echo "${tag} to stdout"\n  echo "${tag} to stderr" >&2\nend script\n`;
}

/** The daemon's own stdout and stderr, collected from now on (console output|owner writes there). */
async function daemonWithConsole(jobs: Record<string, string>, args: string[] = []): Promise<{ d: DaemonHandle; out: () => string }> {
  const d = await startDaemon(jobs, { args });
  daemons.push(d);
  let out = '';
  d.proc.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  await waitUntil('jobs to load', async () => {
    const r = await d.initctl(['list']);
    return Object.keys(jobs).every((name) => r.stdout.includes(`${name} `));
  });
  return { d, out: () => out };
}

async function runTask(d: DaemonHandle, name: string): Promise<void> {
  const r = await d.initctl(['start', name]);
  assert.equal(r.code, 0, r.stderr);
}

test('console log (the default), none, output and owner', async () => {
  const { d, out } = await daemonWithConsole({
    'default-mode': job(null, 'D'),
    'log-mode': job('log', 'L'),
    'none-mode': job('none', 'N'),
    'output-mode': job('output', 'O'),
    'owner-mode': job('owner', 'W'),
  });
  for (const name of ['default-mode', 'log-mode', 'none-mode', 'output-mode', 'owner-mode']) await runTask(d, name);

  // log: both streams, in order, in LOGDIR/JOB.log; nothing on the daemon's console.
  assert.equal(readFileSync(join(d.logdir, 'default-mode.log'), 'utf8'), 'D to stdout\nD to stderr\n');
  assert.equal(readFileSync(join(d.logdir, 'log-mode.log'), 'utf8'), 'L to stdout\nL to stderr\n');
  // none: /dev/null; no file anywhere.
  assert.equal(existsSync(join(d.logdir, 'none-mode.log')), false);
  // output: the daemon's own stdout and stderr; owner (the daemon has no tty here) does the same.
  for (const tag of ['O', 'W']) {
    await waitUntil(`${tag} on the daemon's stdout`, () => out().includes(`${tag} to stdout\n`));
    await waitUntil(`${tag} on the daemon's stderr`, () => d.stderr().includes(`${tag} to stderr\n`));
  }
  assert.equal(existsSync(join(d.logdir, 'output-mode.log')), false);
  assert.equal(existsSync(join(d.logdir, 'owner-mode.log')), false);
  for (const tag of ['D', 'L', 'N']) {
    assert.equal(out().includes(`${tag} to`), false, `${tag} must not reach the console`);
    assert.equal(d.stderr().includes(`${tag} to`), false, `${tag} must not reach the console`);
  }
});

test('--no-log turns console log (stated or default) into none; output still reaches the console', async () => {
  const { d, out } = await daemonWithConsole({ 'default-mode': job(null, 'D'), 'log-mode': job('log', 'L'), 'output-mode': job('output', 'O') }, ['--no-log']);
  for (const name of ['default-mode', 'log-mode', 'output-mode']) await runTask(d, name);
  assert.equal(existsSync(join(d.logdir, 'default-mode.log')), false);
  assert.equal(existsSync(join(d.logdir, 'log-mode.log')), false);
  await waitUntil('O on the daemon stdout', () => out().includes('O to stdout\n'));
  assert.equal(out().includes('D to') || out().includes('L to'), false);
  const s = JSON.parse((await d.initctl(['status', '--json', 'default-mode'])).stdout) as Array<{ output?: { bytesWritten: number } }>;
  assert.equal(s[0]?.output?.bytesWritten, 0);
});

test('--default-console output changes the default; a stated console log still logs', async () => {
  const { d, out } = await daemonWithConsole({ 'default-mode': job(null, 'D'), 'log-mode': job('log', 'L') }, ['--default-console', 'output']);
  for (const name of ['default-mode', 'log-mode']) await runTask(d, name);
  await waitUntil('D on the daemon stdout', () => out().includes('D to stdout\n'));
  assert.equal(existsSync(join(d.logdir, 'default-mode.log')), false);
  assert.equal(readFileSync(join(d.logdir, 'log-mode.log'), 'utf8'), 'L to stdout\nL to stderr\n');
});
