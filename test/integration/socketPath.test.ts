// A socket path longer than a unix address holds is refused at start, naming where it came from, and no socket is made elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, UPSTART, run } from './harness.ts';

const skip = existsSync(join(ROOT, 'dist/bundle/upstart.cjs')) ? false : 'dist is not built (npm run build:ts)';

test('a --socket past 107 bytes: exit 1, the length said, nothing bound at the first 107 bytes', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-long-'));
  const deep = join(dir, 'd'.repeat(120));
  mkdirSync(deep);
  const socket = join(deep, 'control.sock');
  try {
    const r = await run(process.execPath, [UPSTART, '--user', '--confdir', deep, '--logdir', deep, '--socket', socket]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `upstart: ${socket}: ${Buffer.byteLength(socket)} bytes, longer than a unix socket address holds (107); give --socket a shorter path\n`);
    assert.ok(!existsSync(socket.slice(0, 107)), 'no socket at the cut-short path');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a default socket made from a long XDG_RUNTIME_DIR says so', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-long-'));
  const runtime = join(dir, 'r'.repeat(100));
  mkdirSync(runtime);
  try {
    const r = await run(process.execPath, [UPSTART, '--user', '--confdir', dir, '--logdir', dir], { XDG_RUNTIME_DIR: runtime });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^upstart: .*\/upstart\/session-\d+\.sock: \d+ bytes, longer than a unix socket address holds \(107\) \(made from XDG_RUNTIME_DIR\); give --socket a shorter path\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
