// The command lines of shutdown, reboot/halt/poweroff, telinit and runlevel, and shutdown's TIME and wall words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReboot, parseRunlevel, parseShutdown, parseTelinit } from '../../../src/cli/machine/args.ts';
import { goingDown, MachineUsageError, parseShutdownTime } from '../../../src/cli/machine/shutdownTime.ts';

test('shutdown: -r is runlevel 6, -h 0 (power off left to init), -H and -P pass INIT_HALT, none is maintenance (1)', () => {
  const pick = (argv: string[]) => { const a = parseShutdown(argv); return [a.runlevel, a.env.join(' '), a.kind, a.time, a.message]; };
  assert.deepEqual(pick(['-r', 'now']), ['6', '', 'reboot', 'now', '']);
  assert.deepEqual(pick(['-h', 'now']), ['0', '', 'power off', 'now', '']);
  assert.deepEqual(pick(['-hH', '+5', 'disk', 'swap']), ['0', 'INIT_HALT=HALT', 'halt', '+5', 'disk swap']);
  assert.deepEqual(pick(['-P', '12:30']), ['0', 'INIT_HALT=POWEROFF', 'power off', '12:30', '']);
  assert.deepEqual(pick(['now']), ['1', '', 'maintenance', 'now', '']);
  const c = parseShutdown(['-c', 'never', 'mind']);
  assert.equal(c.cancel, true);
  assert.equal(c.message, 'never mind');
  assert.equal(parseShutdown(['-k', 'now']).warnOnly, true);
  assert.equal(parseShutdown(['--help']).help, true);
});

test('shutdown: bad input is a usage error', () => {
  for (const [argv, msg] of [[[], 'time expected'], [['-x', 'now'], "invalid option -- 'x'"], [['-r', '-h', 'now'], '-r cannot be given with -h, -H or -P'], [['--frobnicate'], "unrecognised option '--frobnicate'"]] as const) {
    assert.throws(() => parseShutdown([...argv]), (e: unknown) => e instanceof MachineUsageError && e.message === msg);
  }
});

test('TIME: now, +M, HH:MM (the next such time), anything else refused; the wall words', () => {
  const now = new Date(2026, 0, 1, 10, 0, 0);
  assert.equal(parseShutdownTime('now', now), now.getTime());
  assert.equal(parseShutdownTime('+0', now), now.getTime());
  assert.equal(parseShutdownTime('+15', now), now.getTime() + 15 * 60_000);
  assert.equal(parseShutdownTime('10:30', now), new Date(2026, 0, 1, 10, 30).getTime());
  assert.equal(parseShutdownTime('9:00', now), new Date(2026, 0, 2, 9, 0).getTime());
  for (const bad of ['+x', '24:00', '10:60', 'soon', '-5', '']) {
    assert.throws(() => parseShutdownTime(bad, now), (e: unknown) => e instanceof MachineUsageError && e.message === `invalid time: ${bad} (now, +MINUTES or HH:MM)`);
  }
  assert.equal(goingDown('power off', now.getTime(), now.getTime()), 'The system is going down for power off NOW!');
  assert.equal(goingDown('reboot', now.getTime() + 60_000, now.getTime()), 'The system is going down for reboot in 1 minute!');
  assert.equal(goingDown('halt', now.getTime() + 300_000, now.getTime()), 'The system is going down for halt in 5 minutes!');
});

test('reboot, halt, poweroff: -f -n -w -d -p, sysvinit\'s -i and -h accepted, REBOOTCOMMAND only for reboot', () => {
  assert.deepEqual(parseReboot('halt', ['-d', '-f', '-i', '-p', '-h']), { help: false, action: 'poweroff', force: true, noSync: false, wtmpOnly: false, noWtmp: true, verbose: false });
  assert.equal(parseReboot('reboot', ['-p']).action, 'reboot');
  assert.equal(parseReboot('poweroff', []).action, 'poweroff');
  assert.deepEqual(parseReboot('reboot', ['-nw', '--verbose']), { help: false, action: 'reboot', force: false, noSync: true, wtmpOnly: true, noWtmp: false, verbose: true });
  assert.equal(parseReboot('reboot', ['firmware']).rebootCommand, 'firmware');
  assert.throws(() => parseReboot('halt', ['x']), /unexpected argument 'x'/);
  assert.throws(() => parseReboot('reboot', ['-z']), /invalid option -- 'z'/);
});

test('telinit: 0-6 and S, -e KEY=VALUE, Q reloads, U re-executes; anything else refused', () => {
  assert.deepEqual(parseTelinit(['3']), { help: false, kind: 'runlevel', runlevel: '3', env: [] });
  assert.deepEqual(parseTelinit(['-e', 'A=1', '--env=B=2', 's']), { help: false, kind: 'runlevel', runlevel: 'S', env: ['A=1', 'B=2'] });
  assert.deepEqual(parseTelinit(['q']), { help: false, kind: 'reload' });
  assert.deepEqual(parseTelinit(['U']), { help: false, kind: 'reexec' });
  for (const [argv, msg] of [[['9'], 'invalid runlevel: 9 (0-6, S, Q or U)'], [[], 'missing runlevel'], [['2', '3'], "unexpected argument '3'"], [['-e', 'NOEQ', '2'], "-e: expected KEY=VALUE, found 'NOEQ'"], [['-e'], "option '-e' requires an argument"]] as const) {
    assert.throws(() => parseTelinit([...argv]), (e: unknown) => e instanceof MachineUsageError && e.message === msg);
  }
});

test('runlevel: an optional utmp file', () => {
  assert.deepEqual(parseRunlevel([]), { help: false });
  assert.deepEqual(parseRunlevel(['/tmp/utmp']), { help: false, utmp: '/tmp/utmp' });
  assert.throws(() => parseRunlevel(['a', 'b']), /unexpected argument 'b'/);
});
