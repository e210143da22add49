// Privileged: PID 1's early mounts with the real mount(2), in a private mount namespace, under a temp dir.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const why = process.getuid?.() !== 0 ? 'needs root (mount)' : spawnSync('unshare', ['--version']).status !== 0 ? 'needs unshare (util-linux)' : '';
if (why) console.log(`# skipping the early mounts: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'upstart-mounts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('proc, sysfs and devpts are mounted once each; an unknown filesystem is reported; nothing leaks out of the namespace', { skip: why || false }, () => {
  const fixture = fileURLToPath(new URL('./fixtures/mountEarly.ts', import.meta.url));
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', process.execPath, '--import', 'tsx', fixture, dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { first: Array<{ level: string; msg: string }>; second: Array<{ level: string; msg: string }>; mountPoints: boolean[] };
  assert.deepEqual(out.first.map((x) => x.level), ['debug', 'debug', 'debug', 'warn']);
  assert.match(out.first[3]!.msg, /^cannot mount nosuchfs on .*bad: .*ENODEV/);
  assert.deepEqual(out.second.map((x) => x.level), ['warn'], 'the second pass mounts nothing again');
  assert.deepEqual(out.mountPoints, [true, true, true, false]);
  // The namespace is gone with the process: the directories here are plain again.
  const outside = spawnSync('findmnt', ['--noheadings', '--target', join(dir, 'proc'), '--output', 'TARGET'], { encoding: 'utf8' });
  assert.notEqual(outside.stdout.trim(), join(dir, 'proc'));
});
