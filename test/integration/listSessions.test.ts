// initctl list-sessions finds a running session init from a terminal with no UPSTART_SESSION (its session file), and not once it has stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INITCTL, run, startDaemon } from './harness.ts';

test('list-sessions lists the session init by its session file, with no daemon address given, until it stops', async () => {
  const runtime = mkdtempSync(join(tmpdir(), 'upstart-runtime-'));
  const d = await startDaemon({}, { env: { XDG_RUNTIME_DIR: runtime } });
  // A new terminal: its own runtime dir, no UPSTART_SESSION, and no system init to ask.
  const terminal = { XDG_RUNTIME_DIR: runtime, UPSTART_SESSION: undefined };
  try {
    const r = await run(INITCTL, ['list-sessions'], terminal);
    assert.deepEqual(r, { stdout: `${d.proc.pid} unix:path=${d.socket}\n`, stderr: '', code: 0 });
    // What it prints is what a later initctl needs.
    const address = r.stdout.trim().split(' ')[1]!;
    const list = await run(INITCTL, ['version'], { ...terminal, UPSTART_SESSION: address });
    assert.match(list.stdout, /^init \(upstart-ts /);
  } finally {
    await d.stop();
  }
  try {
    assert.deepEqual(await run(INITCTL, ['list-sessions'], terminal), { stdout: '', stderr: '', code: 0 });
  } finally {
    rmSync(runtime, { recursive: true, force: true });
  }
});
