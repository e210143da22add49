// The whole real-job corpus loaded into the real daemon: every job listed, shown and checked, nothing started.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDaemon, type DaemonHandle } from './harness.ts';

const corpus = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const present = existsSync(corpus);
const skip = present ? false : `corpus not found at ${corpus} (../shared is absent)`;
const names = present ? readdirSync(corpus).filter((f) => f.endsWith('.conf')).map((f) => f.replace(/\.conf$/, '')).sort() : [];

let d: DaemonHandle | undefined;
before(async () => {
  if (!present) return;
  const jobs: Record<string, string> = {};
  for (const n of names) jobs[n] = readFileSync(`${corpus}/${n}.conf`, 'utf8');
  // No startup event and no emit: loading starts nothing, so none of these jobs runs here.
  d = await startDaemon(jobs, { args: ['--no-startup-event'] });
});
after(async () => {
  await d?.stop();
});

test('every corpus job is listed as stop/waiting', { skip }, async () => {
  const r = await d!.initctl(['list']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, names.map((n) => `${n} stop/waiting\n`).join(''));
  assert.equal(d!.stderr().match(/\.conf:\d+/g), null, 'the daemon reported a job-file error');
});

test('show-config and show-config -e print every corpus job', { skip }, async () => {
  for (const args of [['show-config'], ['show-config', '-e']]) {
    const r = await d!.initctl(args);
    assert.equal(r.code, 0, r.stderr);
    const shown = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith(' '));
    assert.deepEqual(shown, names);
  }
  const one = await d!.initctl(['show-config', 'upstart__debian__conf__failsafe']);
  assert.equal(one.stdout, [
    'upstart__debian__conf__failsafe',
    '  emits failsafe-boot',
    '  start on (filesystem and net-device-up IFACE=lo)',
    '  stop on (static-network-up or starting rc-sysinit)',
    '',
  ].join('\n'));
});

test('check-config answers for the whole corpus, and status of each job works', { skip }, async () => {
  const r = await d!.initctl(['check-config']);
  assert.ok(r.code === 0 || r.code === 1, `check-config exit ${r.code}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  for (const n of names.slice(0, 20)) {
    assert.equal((await d!.initctl(['status', n])).stdout, `${n} stop/waiting\n`);
  }
});
