// `npm start` runs what the README says: only examples/session's jobs (nothing of a machine's /etc/init), and the README's initctl session prints what it shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, startDaemon, waitUntil } from './harness.ts';

const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's `$ bin/initctl --socket .tmp/upstart.sock ARGS` lines (or `$ cat`), each with the lines it shows. */
function readmeSession(): Array<{ argv: string[]; shown: string[] }> {
  const block = /`npm start` boots[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README shows an initctl session after `npm start`');
  const steps: Array<{ argv: string[]; shown: string[] }> = [];
  for (const line of block[1]!.split('\n').filter((l) => l !== '')) {
    if (line.startsWith('$ ')) steps.push({ argv: line.slice(2).split(' '), shown: [] });
    else steps.at(-1)!.shown.push(line);
  }
  return steps;
}

/** Every file under DIR, by its path relative to DIR. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path).map((f) => join(name, f)) : [name];
  });
}

const pids = (lines: string[]): string[] => lines.map((l) => l.replace(/process \d+/g, 'process PID'));

test("npm start's confdir holds only the session example's jobs, and the README's session prints what it shows", async () => {
  const m = /^node bin\/upstart --user --confdir (\S+) --logdir \.tmp\/log --socket \.tmp\/upstart\.sock$/.exec(start);
  assert.ok(m, `package.json's start script is the one this test knows: ${start}`);
  const confdir = join(ROOT, m[1]!);
  const files = filesUnder(confdir);
  // A subdirectory would be loaded too (as DIR/job): a machine's jobs mount filesystems and run telinit.
  assert.deepEqual(files.filter((f) => f.includes('/') || !f.endsWith('.conf')), [], `only job files, no subdirectories, in ${relative(ROOT, confdir)}`);
  const jobs = Object.fromEntries(files.map((f) => [f.slice(0, -'.conf'.length), readFileSync(join(confdir, f), 'utf8')]));
  const d = await startDaemon(jobs);
  try {
    const steps = readmeSession();
    assert.deepEqual(steps.map((s) => (s.argv[0] === 'cat' ? 'cat' : s.argv[3])), ['list', 'stop', 'start', 'cat'], 'list, stop, start and cat, as the README has them');
    for (const { argv, shown } of steps) {
      if (argv[0] === 'cat') {
        assert.equal(argv[1], '.tmp/log/hello.log');
        const log = join(d.logdir, 'hello.log');
        await waitUntil('hello.log as the README shows it', () => { try { return readFileSync(log, 'utf8').split('\n')[0] === shown[0]; } catch { return false; } });
        continue;
      }
      assert.deepEqual(argv.slice(0, 3), ['bin/initctl', '--socket', '.tmp/upstart.sock']);
      // `list` waits until the boot has settled into what the README shows (failsafe-delay sleeps 30 s).
      const got = await waitUntil(`initctl ${argv.slice(3).join(' ')} to print the README's lines`, async () => {
        const r = await d.initctl(argv.slice(3));
        const lines = pids(r.stdout.split('\n').filter((l) => l !== ''));
        return argv[3] !== 'list' || JSON.stringify(lines) === JSON.stringify(pids(shown)) ? lines : undefined;
      });
      assert.deepEqual(got, pids(shown));
    }
  } finally {
    await d.stop();
  }
});
