// /tmp/upstart-UID (no XDG_RUNTIME_DIR) made first by another user: the session init refuses it and list-sessions lists none of its files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INITCTL, ROOT, UPSTART, run, waitUntil } from '../../integration/harness.ts';

const SETPRIV = '/usr/bin/setpriv';
/** The session's user, and the other user who got to /tmp first. */
const USER = 65533;
const OTHER = 65534;
const FALLBACK = `/tmp/upstart-${USER}`;
const skip = process.getuid?.() !== 0 ? 'needs root (to act as two other users with setpriv)'
  : !existsSync(SETPRIV) ? `${SETPRIV} is missing (util-linux)`
    : !existsSync(join(ROOT, 'dist/bundle/upstart.cjs')) ? 'dist is not built (npm run build:ts)' : false;

/** Runs file as USER with an environment of HOME and PATH only (no XDG_RUNTIME_DIR). */
function asUser(home: string, file: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return run(SETPRIV, [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', '/usr/bin/env', '-i', `HOME=${home}`, `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, file, ...args]);
}

const CLIENTS: Array<[string, string[]]> = [['the C client', []], ['the Node client', [join(ROOT, 'dist/cli/initctl.js')]]];

test('another user\'s /tmp/upstart-UID: no session is listed from it and the session init will not use it', { skip, timeout: 120_000 }, async () => {
  rmSync(FALLBACK, { recursive: true, force: true });
  const home = mkdtempSync(join(tmpdir(), 'upstart-rt-'));
  chownSync(home, USER, USER);
  try {
    // The other user's planted session: a live pid (theirs), an address of their choosing.
    mkdirSync(join(FALLBACK, 'upstart', 'sessions'), { recursive: true });
    writeFileSync(join(FALLBACK, 'upstart', 'sessions', `${process.pid}.session`), 'UPSTART_SESSION=unix:path=/tmp/not-yours.sock\n');
    for (const p of [FALLBACK, join(FALLBACK, 'upstart'), join(FALLBACK, 'upstart', 'sessions')]) {
      chownSync(p, OTHER, OTHER);
      chmodSync(p, 0o777);
    }
    for (const [name, pre] of CLIENTS) {
      const r = await asUser(home, pre.length > 0 ? process.execPath : INITCTL, [...pre, 'list-sessions']);
      assert.equal(r.stdout, '', name);
      assert.equal(r.stderr, `initctl: ${FALLBACK}: its sessions are not listed: it belongs to uid ${OTHER}\n`, name);
    }
    const refused = await asUser(home, process.execPath, [UPSTART, '--user', '--confdir', home]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stderr, `upstart: ${FALLBACK}: not using it for the session's socket and session file: it belongs to uid ${OTHER}; set XDG_RUNTIME_DIR to a directory of your own\n`);

    // The user's own, but writable by others: refused too (a name may have been made in it already).
    rmSync(join(FALLBACK, 'upstart'), { recursive: true, force: true });
    chownSync(FALLBACK, USER, USER);
    const open = await asUser(home, process.execPath, [UPSTART, '--user', '--confdir', home]);
    assert.equal(open.code, 1, open.stderr);
    assert.match(open.stderr, /: others may write to it \(mode 0777\); set XDG_RUNTIME_DIR/);
    for (const [name, pre] of CLIENTS) {
      const r = await asUser(home, pre.length > 0 ? process.execPath : INITCTL, [...pre, 'list-sessions']);
      assert.equal(r.stderr, `initctl: ${FALLBACK}: its sessions are not listed: others may write to it (mode 0777)\n`, name);
    }
  } finally {
    rmSync(FALLBACK, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
});

test('the user\'s own /tmp/upstart-UID of an older upstart-ts (0755) is taken and made 0700; the session is listed', { skip, timeout: 120_000 }, async () => {
  rmSync(FALLBACK, { recursive: true, force: true });
  const home = mkdtempSync(join(tmpdir(), 'upstart-rt-'));
  chownSync(home, USER, USER);
  mkdirSync(FALLBACK, { mode: 0o755 });
  chownSync(FALLBACK, USER, USER);
  const daemon = spawn(SETPRIV, [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', '/usr/bin/env', '-i', `HOME=${home}`, `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, process.execPath, UPSTART, '--user', '--confdir', home], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  daemon.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  try {
    await waitUntil('the session init to listen', () => err.includes(' mode: socket ') || daemon.exitCode !== null);
    assert.equal(daemon.exitCode, null, err);
    assert.equal(statSync(FALLBACK).mode & 0o777, 0o700);
    const listed = await waitUntil('the session to be listed', async () => {
      const r = await asUser(home, INITCTL, ['list-sessions']);
      return r.stdout.startsWith(`${daemon.pid} `) ? r : undefined;
    });
    assert.equal(listed.stderr, '');
    assert.match(listed.stdout, new RegExp(`^\\d+ unix:path=${FALLBACK}/upstart/session-\\d+\\.sock\\n$`));
  } finally {
    if (daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    rmSync(FALLBACK, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
});
