// initctl plot: job instance rows of starting/running/stopping spans from the journal, other events as ticks, as SVG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalEntry } from '../../../src/model/engineApi.ts';
import { timeline, toSvg } from '../../../src/control/commands/plot.ts';
import { runCommand } from '../../../src/control/commands/index.ts';
import { FakeEngine, FakeHooks } from './fakeEngine.ts';

const st = (t: number, job: string, state: string, instance = '', goal: 'start' | 'stop' = 'start'): JournalEntry =>
  ({ t, wall: 0, kind: 'state', job, instance, goal, state } as JournalEntry);
const ev = (t: number, name: string): JournalEntry => ({ t, wall: 0, kind: 'event', name, env: [] });

const journal: JournalEntry[] = [
  ev(10, 'startup'),
  st(11, 'svc', 'waiting'), st(12, 'svc', 'starting'), ev(12, 'starting'), st(13, 'svc', 'pre-start'), st(20, 'svc', 'spawned'), st(25, 'svc', 'running'),
  st(30, 'task', 'starting'), st(31, 'task', 'running'), st(900, 'task', 'stopping', '', 'stop'), st(905, 'task', 'post-stop', '', 'stop'), st(910, 'task', 'waiting', '', 'stop'),
  st(1500, 'tty', 'starting', 'tty1'),
  ev(1600, 'login-prompt-visible'),
];

test('spans per instance, in first-seen order; lifecycle events are not ticks; an open span runs to the end', () => {
  const tl = timeline(journal);
  assert.equal(tl.end, 1600);
  assert.deepEqual(tl.events, [{ t: 10, name: 'startup' }, { t: 1600, name: 'login-prompt-visible' }]);
  assert.deepEqual(tl.rows, [
    { job: 'svc', instance: '', spans: [{ phase: 'starting', from: 12, to: 25 }, { phase: 'running', from: 25 }] },
    { job: 'task', instance: '', spans: [{ phase: 'starting', from: 30, to: 31 }, { phase: 'running', from: 31, to: 900 }, { phase: 'stopping', from: 900, to: 910 }] },
    { job: 'tty', instance: 'tty1', spans: [{ phase: 'starting', from: 1500 }] },
  ]);
});

test('SVG: one rect per span, labels escaped, a scale in round steps; initctl plot prints it, --json the spans', async () => {
  const svg = toSvg(timeline([...journal, st(1601, 'a<b', 'starting')]));
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" /);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal((svg.match(/<rect x=/g) ?? []).length, 7);
  assert.ok(svg.includes('>a&lt;b</text>') && svg.includes('>tty (tty1)</text>') && svg.includes('>1.5s</text>'), svg);
  const e = new FakeEngine();
  const hooks = new FakeHooks();
  hooks.past.splice(0, hooks.past.length, ...journal);
  const outs: string[] = [];
  for (const argv of [['initctl', 'plot'], ['initctl', 'plot', '--json']]) {
    let stdout = '';
    const status = await runCommand(argv, { engine: e, hooks, env: {}, denial: 'read-only', signal: new AbortController().signal, write: (s, d) => { if (s === 'stdout') stdout += d; } });
    assert.equal(status, 0);
    outs.push(stdout);
  }
  assert.match(outs[0]!, /^<svg /);
  assert.equal((JSON.parse(outs[1]!) as { rows: unknown[] }).rows.length, 3);
});
