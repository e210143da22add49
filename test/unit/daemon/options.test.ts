// Tests for the daemon's option parsing and the paths each mode resolves to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDaemonOptions, UsageError } from '../../../src/daemon/options.ts';
import { resolvePaths } from '../../../src/daemon/paths.ts';

test('default console is left to the mode', () => {
  assert.equal(parseDaemonOptions([], false).defaultConsole, undefined);
});

test('mode follows PID 1 unless --user/--system says otherwise', () => {
  assert.equal(parseDaemonOptions([], true).mode, 'system');
  assert.equal(parseDaemonOptions([], false).mode, 'user');
  assert.equal(parseDaemonOptions(['--user'], true).mode, 'user');
  assert.equal(parseDaemonOptions(['--system'], false).mode, 'system');
});

test('valued options take = or the next word', () => {
  const o = parseDaemonOptions(
    ['--confdir=/a', '--confdir', '/b', '--append-confdir', '/z', '--prepend-confdir=/p', '--logdir', '/l',
      '--socket=/s.sock', '--default-console', 'none', '--startup-event', 'boot', '-v', '--legacy-conditions'],
    false,
  );
  assert.deepEqual(o.confdirs, ['/a', '/b']);
  assert.deepEqual(o.appendConfdirs, ['/z']);
  assert.deepEqual(o.prependConfdirs, ['/p']);
  assert.equal(o.logdir, '/l');
  assert.equal(o.socket, '/s.sock');
  assert.equal(o.defaultConsole, 'none');
  assert.equal(o.startupEvent, 'boot');
  assert.equal(o.verbosity, 'debug');
  assert.equal(o.legacyConditions, true);
  assert.equal(o.noCgroups, false);
  assert.equal(parseDaemonOptions(['--no-cgroups'], false).noCgroups, true);
  assert.equal(o.noInotify, false);
  assert.equal(parseDaemonOptions(['--no-inotify'], false).noInotify, true);
  assert.equal(parseDaemonOptions(['--no-startup-event'], false).startupEvent, null);
});

test('bad options are usage errors naming the option', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /unrecognised option '--bogus'/],
    [['--confdir'], /--confdir: missing argument/],
    [['--default-console=loud'], /expected one of none, log, output, owner, found 'loud'/],
    [['--no-log=1'], /--no-log: takes no argument/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseDaemonOptions(argv, false), (e: unknown) => e instanceof UsageError && re.test(e.message));
  }
  // PID 1 ignores the kernel's own words
  assert.equal(parseDaemonOptions(['splash', 'quiet'], true).mode, 'system');
});

test('paths per mode', () => {
  const pe = { env: { XDG_RUNTIME_DIR: '/run/user/1000', XDG_CONFIG_DIRS: '/etc/xdg:/opt/xdg' }, pid: 42, uid: 1000, home: '/home/u' };
  const user = resolvePaths(parseDaemonOptions([], false), pe);
  assert.deepEqual(user.confdirs, ['/home/u/.config/upstart', '/home/u/.init', '/etc/xdg/upstart', '/opt/xdg/upstart', '/usr/share/upstart/sessions']);
  assert.equal(user.socket, '/run/user/1000/upstart/session-42.sock');
  assert.equal(user.logdir, '/home/u/.cache/upstart');
  const sys = resolvePaths(parseDaemonOptions(['--append-confdir=/x'], true), pe);
  assert.deepEqual(sys.confdirs, ['/etc/init', '/x']);
  assert.equal(sys.socket, '/run/upstart/control.sock');
  assert.equal(sys.logdir, '/var/log/upstart');
});

test('container options: --container, --no-container, --exit-with (repeatable), --no-output-prefix', () => {
  const o = parseDaemonOptions(['--container', '--exit-with', 'main', '--exit-with=side', '--no-output-prefix'], false);
  assert.equal(o.container, true);
  assert.equal(o.mode, 'system', '--container means the system init of the container');
  assert.deepEqual(o.exitWith, ['main', 'side']);
  assert.equal(o.noOutputPrefix, true);
  assert.equal(parseDaemonOptions(['--container', '--user'], false).mode, 'user');
  assert.equal(parseDaemonOptions(['--no-container'], true).container, false);
  const d = parseDaemonOptions([], true);
  assert.equal(d.container, undefined);
  assert.deepEqual(d.exitWith, []);
  assert.equal(d.noOutputPrefix, false);
  assert.throws(() => parseDaemonOptions(['--exit-with'], false), /--exit-with: missing argument/);
  assert.throws(() => parseDaemonOptions(['--exit-with='], false), /expected a job name/);
  assert.throws(() => parseDaemonOptions(['--container=yes'], false), /--container: takes no argument/);
});

test('--socket-mode takes octal permission bits; anything else is a usage error', () => {
  assert.equal(parseDaemonOptions(['--user'], false).socketMode, undefined);
  assert.equal(parseDaemonOptions(['--socket-mode', '0666'], false).socketMode, 0o666);
  assert.equal(parseDaemonOptions(['--socket-mode=660'], false).socketMode, 0o660);
  for (const bad of ['rw', '0999', '66', '01777', '']) {
    assert.throws(() => parseDaemonOptions([`--socket-mode=${bad}`], false), (e: Error) => e.name === 'UsageError' && e.message.startsWith('--socket-mode:'));
  }
});

test('--shutdown-timeout takes whole seconds (default 90) and refuses anything else', () => {
  assert.equal(parseDaemonOptions([], true).shutdownTimeout, 90);
  assert.equal(parseDaemonOptions(['--shutdown-timeout=5'], true).shutdownTimeout, 5);
  assert.equal(parseDaemonOptions(['--shutdown-timeout', '600'], true).shutdownTimeout, 600);
  for (const bad of ['0', '-1', '1.5', 'x', '86401']) {
    assert.throws(() => parseDaemonOptions([`--shutdown-timeout=${bad}`], false), (e: unknown) => e instanceof UsageError && e.message === `--shutdown-timeout: expected whole seconds from 1 to 86400, found '${bad}'`);
  }
});
