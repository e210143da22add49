// initctl plot: job instance rows of starting/running/stopping spans from the journal, other events as ticks, as SVG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalEntry } from '../../../src/model/engineApi.ts';
import { timeline, toSvg } from '../../../src/control/commands/plot.ts';
import { chooseWindow, startCauses } from '../../../src/control/commands/plotLayout.ts';
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
  const entries = [...journal, st(1601, 'a<b', 'starting')];
  const svg = toSvg(timeline(entries), entries);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" /);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal((svg.match(/<rect class="bar /g) ?? []).length, 7);
  assert.ok(svg.includes('>a&lt;b</text>') && svg.includes('>tty (tty1)</text>') && svg.includes('>1.4s</text>'), svg);
  assert.match(svg, /<g class="legend">/);
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

test('the window is the boot: until every job has settled and nothing changes for a while; --since/--until replace it', () => {
  const boot: JournalEntry[] = [
    ev(100, 'startup'), st(101, 'a', 'waiting'), st(102, 'a', 'starting'), st(150, 'a', 'running'),
    st(151, 'b', 'waiting'), st(152, 'b', 'starting'), st(400, 'b', 'running'),
    // Eleven minutes later, someone restarts a: not the boot.
    st(660_000, 'a', 'stopping', '', 'stop'), st(660_010, 'a', 'waiting', '', 'stop'),
  ];
  assert.deepEqual(chooseWindow(boot), { from: 100, to: 400, why: 'the boot: until every job had settled' });
  assert.equal(chooseWindow(boot, 650_000).to, 660_010);
  assert.deepEqual([chooseWindow(boot, undefined, 200).from, chooseWindow(boot, undefined, 200).to], [100, 200]);
  // A job that never settles: the whole journal.
  assert.equal(chooseWindow([ev(0, 'startup'), st(5, 'c', 'starting'), st(9000, 'c', 'pre-start')]).to, 9000);
});

test('the event that started each instance: the event being handled, not a later manual start', () => {
  const j: JournalEntry[] = [
    ev(10, 'startup'), st(11, 'a', 'waiting'), st(12, 'a', 'starting'),
    { t: 13, wall: 0, kind: 'event', name: 'started', env: ['JOB=a', 'INSTANCE='] }, st(14, 'b', 'waiting'), st(15, 'b', 'starting', 'x'),
    { t: 20, wall: 0, kind: 'spawn', job: 'b', instance: '', process: 'main', pid: 5 },
    st(5000, 'c', 'waiting'),
  ];
  const c = startCauses(j);
  assert.deepEqual(c.get('a\0'), { t: 10, name: 'startup' });
  assert.deepEqual(c.get('b\0'), { t: 13, name: 'started a', fromKey: 'a\0' });
  assert.equal(c.has('c\0'), false);
});
