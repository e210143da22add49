// initctl's own answers (help, COMMAND --help, --version): what they say, and that they need no daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_VERSION, connectHint, localAnswer, red, wantColour } from '../../../src/cli/clientHelp.ts';
import { COMMANDS } from '../../../src/control/commands/index.ts';
import { buildClient } from '../../native/initctl/build.ts';

const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'))) as { version: string };

test('--version is the client\'s and names the package version', () => {
  assert.equal(CLIENT_VERSION, `initctl (upstart-ts ${pkg.version})`);
  assert.deepEqual(localAnswer('initctl', ['--version']), { stdout: `${CLIENT_VERSION}\n`, stderr: '', status: 0 });
  // `initctl version` is the daemon's (Upstart): it is not answered here.
  assert.equal(localAnswer('initctl', ['version']), undefined);
});

test('help, --help, -h bundled, COMMAND --help, help COMMAND, aliases', () => {
  const all = localAnswer('initctl', ['--help']);
  assert.equal(all?.status, 0);
  for (const c of Object.keys(COMMANDS)) assert.match(all?.stdout ?? '', new RegExp(`^  ${c} `, 'm'), `${c} is listed in --help`);
  assert.deepEqual(localAnswer('initctl', ['help']), all);
  assert.deepEqual(localAnswer('initctl', ['-qh']), all);
  assert.match(localAnswer('initctl', ['start', '--help'])?.stdout ?? '', /^Usage: initctl start \[OPTION\]\.\.\. JOB/);
  assert.deepEqual(localAnswer('initctl', ['help', 'start']), localAnswer('initctl', ['start', '-h']));
  assert.match(localAnswer('stop', ['--help'])?.stdout ?? '', /^Usage: stop \[OPTION\]\.\.\. JOB/);
  const bad = localAnswer('initctl', ['frob', '--help']);
  assert.equal(bad?.status, 1);
  assert.match(bad?.stderr ?? '', /invalid command: frob\nTry `initctl help' to list the commands/);
  // After `--` it is an argument, and a plain command goes to the daemon.
  assert.equal(localAnswer('initctl', ['status', '--', '--help']), undefined);
  assert.equal(localAnswer('initctl', ['status', 'foo']), undefined);
});

test('colour: a terminal only, never with NO_COLOR or TERM=dumb', () => {
  assert.equal(wantColour({}, true), true);
  assert.equal(wantColour({}, false), false);
  assert.equal(wantColour({ NO_COLOR: '1' }, true), false);
  assert.equal(wantColour({ NO_COLOR: '' }, true), true);
  assert.equal(wantColour({ TERM: 'dumb' }, true), false);
  assert.equal(red('initctl: x\n'), '\x1b[31minitctl: x\x1b[0m\n');
});

test('a failed connect says what to do next', () => {
  assert.match(connectHint('ENOENT'), /upstart --user/);
  assert.match(connectHint('EACCES'), /root/);
});

const built = buildClient();
test('the C client answers help and --version with no daemon at all', { skip: 'skip' in built ? built.skip : false }, async () => {
  if ('skip' in built) return;
  const dir = mkdtempSync(join(tmpdir(), 'help-nodaemon-'));
  try {
    const env = { PATH: '/usr/bin:/bin', UPSTART_SESSION: `unix:path=${join(dir, 'none.sock')}` };
    const run = (args: string[]): Promise<{ stdout: string; stderr: string; status: number }> => new Promise((resolve) => {
      execFile(built.initctl, args, { env, encoding: 'utf8' }, (err, stdout, stderr) => {
        resolve({ stdout, stderr, status: err === null ? 0 : typeof err.code === 'number' ? err.code : -1 });
      });
    });
    assert.deepEqual(await run(['--version']), { stdout: `${CLIENT_VERSION}\n`, stderr: '', status: 0 });
    assert.deepEqual(await run(['--help']), localAnswer('initctl', ['--help']));
    assert.deepEqual(await run(['reload', '--help']), localAnswer('initctl', ['reload', '--help']));
    // On a terminal (script(1) gives it one) the error is red; with NO_COLOR, or not on a terminal, it is not.
    if (existsSync('/usr/bin/script')) {
      const onTty = (extra: Record<string, string>): Promise<string> => new Promise((resolve) => {
        execFile('/usr/bin/script', ['-qec', `${built.initctl} list`, '/dev/null'], { env: { ...env, TERM: 'xterm', ...extra }, encoding: 'utf8' }, (_e, stdout) => resolve(stdout));
      });
      assert.ok((await onTty({})).includes('\x1b[31minitctl: Unable to connect'));
      assert.ok(!(await onTty({ NO_COLOR: '1' })).includes('\x1b['));
    }
    const down = await run(['list']);
    assert.equal(down.status, 1);
    assert.match(down.stderr, /Unable to connect to init at .*none\.sock: No such file or directory\nIs init running\? Start a session init with `upstart --user'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(built.dir, { recursive: true, force: true });
  }
});
