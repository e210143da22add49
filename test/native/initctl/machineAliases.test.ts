// install-aliases also links shutdown, reboot, halt, poweroff, telinit and runlevel to the bin/ entries beside the client; they answer --help.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run } from '../../integration/harness.ts';

const client = join(ROOT, 'bin', 'initctl');
const why = existsSync(client) ? '' : 'bin/initctl is not built (npm ci)';
const dir = mkdtempSync(join(tmpdir(), 'upstart-machine-aliases-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the machine commands are linked and run through their links', { skip: why || false }, async () => {
  const made = await run(client, ['install-aliases', join(dir, 'links')]);
  assert.equal(made.code, 0, made.stderr);
  for (const n of ['shutdown', 'reboot', 'halt', 'poweroff', 'telinit', 'runlevel']) {
    assert.equal(readlinkSync(join(dir, 'links', n)), join(ROOT, 'bin', n));
  }
  const help = await run(join(dir, 'links', 'halt'), ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: halt \[OPTION\]\.\.\.\nHalt the system\.\n/);
  const bad = await run(join(dir, 'links', 'telinit'), ['9']);
  assert.deepEqual(bad, { stdout: '', stderr: "telinit: invalid runlevel: 9 (0-6, S, Q or U)\nTry `telinit --help' for more information.\n", code: 1 });
});
