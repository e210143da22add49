// upstart-rc's ordering: LSB headers and insserv's .depend files, groups by number, parallel steps, cycles, scripts without a header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDependFile } from '../../../src/sysv/dependFile.ts';
import { parseLsbHeader, type LsbHeader } from '../../../src/sysv/lsbHeader.ts';
import { planGroups, type PlanScript } from '../../../src/sysv/rcPlan.ts';

function header(provides: string, start = '', stop = ''): LsbHeader {
  const l = (s: string): string[] => (s === '' ? [] : s.split(' '));
  return { provides: l(provides), requiredStart: l(start), requiredStop: l(stop), shouldStart: [], shouldStop: [], defaultStart: [], defaultStop: [] };
}

function s(link: string, h?: LsbHeader): PlanScript {
  const m = /^[SK](\d\d)(.+)$/.exec(link)!;
  return { link, name: m[2]!, number: Number(m[1]), ...(h ? { header: h } : {}) };
}

test('the LSB block: fields as lists, unknown fields ignored, none or unclosed → undefined', () => {
  const text = '#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          cron crond\n# Required-Start:    $remote_fs $syslog\n# Required-Stop:\n'
    + '# Default-Start:     2 3 4 5\n# X-Interactive: true\n# Short-Description: Regular background program processing daemon\n### END INIT INFO\necho\n';
  assert.deepEqual(parseLsbHeader(text), {
    provides: ['cron', 'crond'], requiredStart: ['$remote_fs', '$syslog'], requiredStop: [], shouldStart: [], shouldStop: [],
    defaultStart: ['2', '3', '4', '5'], defaultStop: [], description: 'Regular background program processing daemon',
  });
  assert.equal(parseLsbHeader('#!/bin/sh\necho hi\n'), undefined);
  assert.equal(parseLsbHeader('### BEGIN INIT INFO\n# Provides: x\n'), undefined);
});

test('.depend files: targets and prerequisites, continuation lines, assignments skipped, bad lines named', () => {
  const { deps, errors } = parseDependFile('TARGETS = a b c\nINTERACTIVE =\nb: a\nc: a \\\n b\nwhat is this\n');
  assert.deepEqual([...deps], [['b', ['a']], ['c', ['a', 'b']]]);
  assert.deepEqual(errors, ['line 6: expected TARGET: PREREQUISITE...']);
});

test('numbers in order; one number in parallel except where Required-Start (through Provides) says', () => {
  const g = planGroups([
    s('S01a', header('a')), s('S02b', header('b', 'a net')), s('S02c', header('c')), s('S02n', header('network net')), s('S02z', header('z', '$all')),
  ], 'start');
  assert.deepEqual(g, [
    { number: 1, steps: [{ name: 'a', after: [] }] },
    // b needs a (an earlier number: met) and net (provided by n); z ($all) waits for the others of its number.
    { number: 2, steps: [{ name: 'b', after: ['n'] }, { name: 'c', after: [] }, { name: 'n', after: [] }, { name: 'z', after: ['b', 'c', 'n'] }] },
  ]);
});

test('a dependency cycle: named, and its number runs one at a time in numeric order', () => {
  const g = planGroups([s('S05x', header('x', 'y')), s('S05y', header('y', 'x')), s('S05z', header('z'))], 'start');
  assert.deepEqual(g, [{ number: 5, cycle: ['x', 'y'], steps: [{ name: 'x', after: [] }, { name: 'y', after: ['x'] }, { name: 'z', after: ['y'] }] }]);
});

test('stop: Required-Stop keeps what is needed running until its dependents have stopped', () => {
  const g = planGroups([s('K01a', header('a')), s('K01b', header('b', 'a', 'a')), s('K01c', header('c'))], 'stop');
  assert.deepEqual(g, [{ number: 1, steps: [{ name: 'a', after: ['b'] }, { name: 'b', after: [] }, { name: 'c', after: [] }] }]);
});

test('a script without an LSB header runs alone, between what sorts before and after it', () => {
  const g = planGroups([s('S02a', header('a')), s('S02m'), s('S02z', header('z'))], 'start');
  assert.deepEqual(g, [{ number: 2, steps: [{ name: 'a', after: [] }, { name: 'm', after: ['a'] }, { name: 'z', after: ['m'] }] }]);
});

test('a .depend file replaces the headers', () => {
  const deps = new Map([['c', ['b']]]);
  const g = planGroups([s('S02b', header('b', 'c')), s('S02c', header('c'))], 'start', deps);
  assert.deepEqual(g, [{ number: 2, steps: [{ name: 'b', after: [] }, { name: 'c', after: ['b'] }] }]);
});
