// show-config [-e] and check-config [--ignore-events] against the real daemon, in Upstart's exact words.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

before(async () => {
  d = await startDaemon({
    alpha: 'emits alpha-ready\nemits alpha-gone\nstart on startup\nstop on runlevel [016]\nexec sleep 600\n',
    beta: 'start on started alpha and (custom-event or alpha-ready)\nstop on stopping alpha JOB="alpha"\nexec sleep 600\n',
    gamma: 'start on started ghost or mystery-event\nstop on stopped phantom\ntask\nexec true\n',
    // `manual` after `start on` discards it: show-config shows no condition.
    manual: 'start on startup\nmanual\nexec true\n',
  });
});

after(async () => {
  await d?.stop();
});

test('show-config: every job, emits first, conditions fully bracketed', async () => {
  const r = await d.initctl(['show-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    'alpha',
    '  emits alpha-ready',
    '  emits alpha-gone',
    '  start on startup',
    '  stop on runlevel [016]',
    'beta',
    '  start on (started alpha and (custom-event or alpha-ready))',
    '  stop on stopping alpha JOB=alpha',
    'gamma',
    '  start on (started ghost or mystery-event)',
    '  stop on stopped phantom',
    'manual',
    '',
  ].join('\n'));
});

test('show-config -e JOB: one line per event operand', async () => {
  const r = await d.initctl(['show-config', '-e', 'beta']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    'beta',
    '  start on started (job: alpha, env:)',
    '  start on custom-event (job:, env:)',
    '  start on alpha-ready (job:, env:)',
    // JOB= names the job; the positional `alpha` stays in the env list.
    '  stop on stopping (job: alpha, env: alpha)',
    '',
  ].join('\n'));
});

test('show-config --json', async () => {
  const r = await d.initctl(['show-config', '--json', 'gamma']);
  assert.deepEqual(JSON.parse(r.stdout), [{ name: 'gamma', emits: [], start: '(started ghost or mystery-event)', stop: 'stopped phantom' }]);
});

test('check-config: unknown events and jobs, start-on lines first; an `or` with one reachable side is fine', async () => {
  const r = await d.initctl(['check-config']);
  assert.equal(r.stdout, [
    'gamma',
    '  start on: unknown job ghost',
    '  start on: unknown event mystery-event',
    '  stop on: unknown job phantom',
    '',
  ].join('\n'));
  assert.notEqual(r.code, 0);
});

test('check-config --warn: an `or` needs both sides', async () => {
  const r = await d.initctl(['check-config', '--warn', 'beta']);
  assert.equal(r.stdout, 'beta\n  start on: unknown event custom-event\n');
  assert.notEqual(r.code, 0);
});

test('check-config --ignore-events and a single job', async () => {
  const one = await d.initctl(['check-config', '--warn', 'beta', '--ignore-events=custom-event']);
  assert.equal(one.stdout, '');
  assert.equal(one.code, 0, one.stderr);
  const unknown = await d.initctl(['check-config', 'nope']);
  assert.equal(unknown.stderr, 'initctl: Unknown job: nope\n');
});
