// The site's getting-started page works as written: its sh blocks run in order in a fresh directory, and print what the page shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.ts';

const page = readFileSync(join(ROOT, 'docs/guide/getting-started.md'), 'utf8');
const blocks = [...page.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
const shown = [...page.matchAll(/^```text\n([\s\S]*?)^```$/gm)].flatMap((m) => (m[1] as string).split('\n')).filter((l) => l !== '');

test('the getting-started page runs copy-paste', { skip: existsSync(join(ROOT, 'dist/bundle/upstart.cjs')) ? false : 'dist is not built (npm run build:ts)' }, async () => {
  assert.ok(blocks.length >= 4, 'the page has its sh blocks');
  const dir = mkdtempSync(join(tmpdir(), 'getting-started-'));
  try {
    const out = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile('/bin/bash', ['-e', '-c', blocks.join('\n')], {
        cwd: dir, timeout: 60_000, encoding: 'utf8',
        env: { PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: dir },
      }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1 }));
    });
    assert.equal(out.code, 0, out.stderr);
    // Every line the page shows is printed, in the same order (pids aside).
    const got = out.stdout.replace(/process \d+/g, 'process 4242').split('\n').filter((l) => l !== '');
    assert.deepEqual(got, shown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
