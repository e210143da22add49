// Shell completion (contrib/completion): bash completes commands, options and the running daemon's job names; zsh loads it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { INITCTL, ROOT, startDaemon, type DaemonHandle } from './harness.ts';

const BASH = join(ROOT, 'contrib/completion/initctl.bash');
const ZSH = join(ROOT, 'contrib/completion/_initctl');
let d: DaemonHandle | undefined;

before(async () => {
  d = await startDaemon({ alpha: 'exec sleep 600\n', 'net/beta': 'exec sleep 600\n', gamma: 'task\nexec true\n' });
});
after(async () => {
  await d?.stop();
});

/** COMPREPLY after completing the last word of `words` in bash. */
function complete(words: string[], env: Record<string, string> = {}): Promise<string[]> {
  const fn = words[0] === 'upstart' ? '_upstart' : '_initctl';
  const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); ${fn}; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve, reject) => {
    execFile('/bin/bash', ['--norc', '-c', script, 'bash', BASH, ...words], { env: { PATH: `${join(ROOT, 'bin')}:/usr/bin:/bin`, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout.split('\n').filter((l) => l !== '').sort());
    });
  });
}

test('initctl st completes to start status stop', async () => {
  assert.deepEqual(await complete(['initctl', 'st']), ['start', 'status', 'stop']);
  assert.deepEqual(await complete(['initctl', '--system', 're']), ['reexec', 'reload', 'reload-configuration', 'reset-env', 'restart']);
});

test('options: global, per command, and upstart\'s', async () => {
  assert.deepEqual(await complete(['initctl', '--no']), ['--no-wait']);
  assert.deepEqual(await complete(['initctl', 'events', '--fo']), ['--follow']);
  assert.deepEqual(await complete(['upstart', '--no-s']), ['--no-sessions', '--no-startup-event']);
  assert.deepEqual(await complete(['initctl', 'log-priority', 'e']), ['error']);
});

test('job names come from the running daemon, through --socket or $UPSTART_SESSION', { skip: existsSync(INITCTL) ? false : 'bin/initctl is not built' }, async () => {
  const sock = d?.socket ?? '';
  assert.deepEqual(await complete(['initctl', `--socket=${sock}`, 'start', '']), ['alpha', 'gamma', 'net/beta']);
  assert.deepEqual(await complete(['initctl', '--socket', sock, 'status', 'a']), ['alpha']);
  assert.deepEqual(await complete(['stop', 'n'], { UPSTART_SESSION: `unix:path=${sock}` }), ['net/beta']);
  // No daemon: no names, and no error on the terminal.
  assert.deepEqual(await complete(['initctl', '--socket=/nonexistent.sock', 'start', '']), []);
});

test('zsh parses the completion function', { skip: existsSync('/usr/bin/zsh') ? false : 'no zsh (apt-get install zsh)' }, async () => {
  await new Promise<void>((resolve, reject) => {
    execFile('/usr/bin/zsh', ['-n', ZSH], (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve()));
  });
});
