// The whole reaction table: every state × wait × input × goal × main alive, checked against reactions.golden.txt and for its invariants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { react, type Facts, type Input, type Step } from '../../../src/job/reactions.ts';
import type { Wait } from '../../../src/job/job.ts';
import { PROCESS_NAMES } from '../../../src/model/jobClass.ts';
import { GOALS, STATES, type JobState } from '../../../src/model/state.ts';
import type { ConditionState } from '../../../src/events/conditionState.ts';

const COND = { value: false } as unknown as ConditionState;
const WAITS: Array<[string, Wait]> = [
  ['none', { kind: 'none' }],
  ['event 7', { kind: 'event', event: 7 }],
  ['tmpfiles', { kind: 'tmpfiles' }],
  ...(['pre-start', 'post-start', 'pre-stop', 'post-stop'] as const).map((p): [string, Wait] => [`process ${p}`, { kind: 'process', process: p }]),
  ['exec', { kind: 'exec' }],
  ['ready port', { kind: 'ready', by: 'port', deadline: 5 }],
  ['ready exits 0', { kind: 'ready', by: 'exits', exits: 0 }],
  ['ready exits 1', { kind: 'ready', by: 'exits', exits: 1, deadline: 5 }],
  ['ready condition', { kind: 'ready', by: 'condition', cond: COND }],
  ['kill deadline', { kind: 'kill', deadline: 5 }],
  ['kill sent', { kind: 'kill' }],
];

/** The waits a job can have in each state (job.ts); any other pair never happens. */
const LEGAL: Record<JobState, string[]> = {
  waiting: ['none'],
  starting: ['event 7'],
  security: ['none'],
  'pre-start': ['none', 'tmpfiles', 'process pre-start'],
  spawned: ['none', 'exec', 'ready port', 'ready exits 0', 'ready exits 1', 'ready condition'],
  'post-start': ['none', 'process post-start'],
  running: ['none'],
  'pre-stop': ['none', 'process pre-stop'],
  stopping: ['event 7'],
  killed: ['kill deadline', 'kill sent'],
  'post-stop': ['none', 'process post-stop'],
};

const INPUTS: Array<[string, Input]> = [
  ['event-finished 7', { kind: 'event-finished', event: 7 }],
  ['event-finished 8', { kind: 'event-finished', event: 8 }],
  ...PROCESS_NAMES.flatMap((p) =>
    [true, false].flatMap((ok) =>
      [true, false].flatMap((last) =>
        (p === 'main' ? (['finished', 'respawn', 'failed'] as const) : (['finished'] as const)).map((verdict): [string, Input] => [
          `exit ${p} ${ok ? 'ok' : 'bad'}${last ? '' : ' (not last)'}${p === 'main' ? ` ${verdict}` : ''}`,
          { kind: 'process-exited', process: p, ok, last, verdict },
        ]),
      ),
    ),
  ),
  ...PROCESS_NAMES.flatMap((p) => [
    [`exec ${p} ok`, { kind: 'exec-done', process: p, ok: true, last: false }] as [string, Input],
    [`exec ${p} failed`, { kind: 'exec-done', process: p, ok: false, last: true }] as [string, Input],
  ]),
  ['ready port', { kind: 'ready', by: 'port' }],
  ['ready condition', { kind: 'ready', by: 'condition' }],
  ['ready-timeout', { kind: 'ready-timeout' }],
  ['tmpfiles ok', { kind: 'tmpfiles-done', failed: false }],
  ['tmpfiles failed', { kind: 'tmpfiles-done', failed: true }],
  ['kill-timeout', { kind: 'kill-timeout' }],
  ['goal-changed', { kind: 'goal-changed' }],
];

function show(s: Step): string {
  switch (s.do) {
    case 'set-wait':
      return s.wait.kind === 'none' ? 'unwait' : `wait ${s.wait.kind}`;
    case 'set-goal':
      return `goal ${s.goal}`;
    case 'fail':
      return `fail ${s.process} (${s.why})`;
    case 'ready-exit':
      return `ready-exit ${s.seen}`;
    case 'run-step':
      return `run ${s.process}`;
    case 'enter':
      return `enter ${s.state}`;
    default:
      return s.do;
  }
}

const FACTS: Array<[string, Facts]> = GOALS.flatMap((goal) => [true, false].map((alive): [string, Facts] => [`${goal}${alive ? '+' : '-'}`, { goal, mainAlive: alive, readyExits: 2 }]));

/** One line per state, wait and input that does something: the Steps per goal (+ main alive, - dead), merged where they agree. */
function table(): string {
  const lines: string[] = [];
  for (const state of STATES) {
    for (const [wl, wait] of WAITS) {
      if (!LEGAL[state].includes(wl)) continue;
      for (const [il, input] of INPUTS) {
        const cells = new Map<string, string[]>();
        for (const [fl, f] of FACTS) {
          const s = react(state, wait, input, f).map(show).join(', ');
          if (s !== '') cells.set(s, [...(cells.get(s) ?? []), fl]);
        }
        if (cells.size === 0) continue;
        const all = cells.size === 1 && [...cells.values()][0]!.length === FACTS.length;
        const parts = [...cells].map(([s, fs]) => (all ? s : `${fs.join(' ')}: ${s}`));
        lines.push(`${state} | ${wl} | ${il} → ${parts.join(' ; ')}`);
      }
    }
  }
  const head = '# state | wait | input → steps, per goal (+ main alive, - dead) where they differ; UPDATE_GOLDEN=1 rewrites it (test/unit/job/reactions.test.ts)';
  return `${[head, ...lines].join('\n')}\n`;
}

const GOLDEN = new URL('./reactions.golden.txt', import.meta.url);

test('the reaction table is the one in reactions.golden.txt (every cell not listed does nothing)', () => {
  const got = table();
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, got);
  assert.equal(got, readFileSync(GOLDEN, 'utf8'));
});

test('every cell is pure; in every legal one the job never moves while it still waits, and a move comes last', () => {
  for (const state of STATES) {
    for (const [wl, wait] of WAITS) {
      for (const [il, input] of INPUTS) {
        for (const [fl, f] of FACTS) {
          const where = `${state} | ${wl} | ${il} | ${fl}`;
          const before = JSON.stringify([wait, input, f]);
          const steps = react(state, wait, input, f);
          assert.deepEqual(react(state, wait, input, f), steps, `${where}: same answer twice`);
          assert.equal(JSON.stringify([wait, input, f]), before, `${where}: arguments untouched`);
          if (!LEGAL[state].includes(wl)) continue;
          let waiting = wait.kind !== 'none';
          steps.forEach((s, i) => {
            if (s.do === 'set-wait') waiting = s.wait.kind !== 'none';
            const moves = s.do === 'advance' || s.do === 'enter' || s.do === 'run-step';
            if (!moves) return;
            assert.equal(i, steps.length - 1, `${where}: a move is the last step`);
            assert.ok(!waiting, `${where}: moves while it waits`);
          });
        }
      }
    }
  }
});

test('an input the job does not wait for does nothing', () => {
  for (const state of STATES) {
    for (const [wl, wait] of WAITS) {
      for (const [, f] of FACTS) {
        const none = (input: Input): void => assert.deepEqual(react(state, wait, input, f), [], `${state} | ${wl} | ${input.kind}`);
        none({ kind: 'event-finished', event: 8 });
        if (wait.kind !== 'event') none({ kind: 'event-finished', event: 7 });
        if (wait.kind !== 'ready') none({ kind: 'ready-timeout' });
        if (wait.kind !== 'ready' || wait.by !== 'port') none({ kind: 'ready', by: 'port' });
        if (wait.kind !== 'tmpfiles') none({ kind: 'tmpfiles-done', failed: true });
        if (wait.kind !== 'kill') none({ kind: 'kill-timeout' });
      }
    }
  }
});

test('init(5) cells by hand: respawn, the stop of a running job, pre-stop, expect exit N, the kill timeout', () => {
  const start: Facts = { goal: 'start', mainAlive: false, readyExits: 2 };
  const stop: Facts = { ...start, goal: 'stop' };
  const exit = (ok: boolean, verdict: 'finished' | 'respawn' | 'failed'): Input => ({ kind: 'process-exited', process: 'main', ok, last: true, verdict });
  const none: Wait = { kind: 'none' };
  const steps = (s: JobState, w: Wait, i: Input, f: Facts): string => react(s, w, i, f).map(show).join(', ');
  assert.equal(steps('running', none, exit(false, 'respawn'), start), 'report-exit, note-exit, respawn, advance');
  assert.equal(steps('running', none, exit(true, 'finished'), start), 'note-exit, goal stop, advance');
  assert.equal(steps('running', none, exit(false, 'failed'), start), 'report-exit, note-exit, fail main (exit), advance');
  // Stopped on purpose: the exit changes no goal.
  assert.equal(steps('running', none, exit(false, 'respawn'), stop), 'report-exit, note-exit, advance');
  // Main ends while pre-stop runs: the job moves on when pre-stop ends.
  assert.equal(steps('pre-stop', { kind: 'process', process: 'pre-stop' }, exit(false, 'respawn'), start), 'report-exit, note-exit, respawn');
  assert.equal(steps('running', none, { kind: 'goal-changed' }, { ...stop, mainAlive: true }), 'advance');
  assert.equal(steps('spawned', { kind: 'ready', by: 'exits', exits: 0 }, exit(true, 'finished'), start), 'ready-exit 1');
  assert.equal(steps('spawned', { kind: 'ready', by: 'exits', exits: 1 }, exit(true, 'finished'), start), 'ready-exit 2, unwait, advance');
  assert.equal(steps('killed', { kind: 'kill', deadline: 5 }, { kind: 'kill-timeout' }, stop), 'wait kill, kill-main');
  assert.equal(steps('killed', { kind: 'kill' }, { kind: 'kill-timeout' }, stop), '');
  assert.equal(steps('killed', { kind: 'kill', deadline: 5 }, exit(false, 'respawn'), stop), 'report-exit, note-exit, kill-leftovers, unwait, advance');
});
