// When a condition fires (DESIGN §3.1): on each event that turns a leaf true with the whole true after; lifecycle events sent by hand; both modes compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness, jobClass } from '../job/harness.ts';

function run(h: Harness, name: string): void {
  void h.engine.start(name, [], false);
  h.settle();
}

const pick = (env: readonly string[], ...keys: string[]): string[] => env.filter((e) => keys.some((k) => e.startsWith(`${k}=`)));

for (const legacy of [false, true]) {
  const mode = legacy ? 'legacy' : 'default';

  test(`[${mode}] stopped JOB=a or stopped JOB=b or stopped JOB=c with instance $JOB: one instance per stop, each with its own RESULT/EXIT_*`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(
      jobClass('a', { exec: '/a' }), jobClass('b', { exec: '/b' }), jobClass('c', { task: true, exec: '/c' }),
      jobClass('j', { instance: '$JOB', start: 'stopped JOB=a or stopped JOB=b or stopped JOB=c', exec: '/j' }),
    );
    run(h, 'a');
    run(h, 'b');
    run(h, 'c');
    h.exit(h.pid('a'), 1); // a service that died: failed
    void h.engine.stop('b', [], false); // stopped by request
    h.settle();
    h.signal(h.pid('b'), 'TERM');
    h.exit(h.pid('c'), 0); // a task that finished
    assert.deepEqual(h.engine.status('j').map((s) => `${s.instance} ${s.goal}/${s.state}`), ['a start/running', 'b start/running', 'c start/running']);
    const envOf = (inst: string) => pick(h.port.spawns.find((s) => s.req.job === 'j' && s.req.instance === inst)!.req.env, 'JOB', 'RESULT', 'PROCESS', 'EXIT_STATUS', 'EXIT_SIGNAL', 'UPSTART_EVENTS');
    assert.deepEqual(envOf('a'), ['JOB=a', 'RESULT=failed', 'PROCESS=main', 'EXIT_STATUS=1', 'UPSTART_EVENTS=stopped']);
    assert.deepEqual(envOf('b'), ['JOB=b', 'RESULT=ok', 'PROCESS=main', 'EXIT_SIGNAL=TERM', 'UPSTART_EVENTS=stopped']);
    assert.deepEqual(envOf('c'), ['JOB=c', 'RESULT=ok', 'PROCESS=main', 'EXIT_STATUS=0', 'UPSTART_EVENTS=stopped']);
  });

  test(`[${mode}] one leaf, several instances of the job it names: each stop is an occurrence`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(
      jobClass('w', { instance: '$N', exec: '/w' }),
      jobClass('j', { instance: '$INSTANCE', start: 'stopped w', task: true, exec: '/j' }),
    );
    void h.engine.start('w', ['N=x'], false);
    void h.engine.start('w', ['N=y'], false);
    h.settle();
    h.exit(h.pid('w', 'main', 'x'), 0);
    h.exit(h.pid('w', 'main', 'y'), 0);
    assert.deepEqual(h.spawnsOf('j').map((s) => s.req.instance), ['x', 'y']);
  });

  test(`[${mode}] initctl emit started JOB=bravo, for a name that is no job, starts 'start on started bravo'`, () => {
    const h = new Harness({ legacyConditions: legacy }).add(
      jobClass('one', { start: 'started bravo', exec: '/one' }),
      jobClass('two', { start: 'started bravo and started charlie', exec: '/two' }),
      jobClass('three', { start: 'startup', stop: 'stopping bravo', exec: '/three' }),
    );
    h.emit('startup');
    assert.equal(h.state('three'), 'start/running');
    h.emit('started', 'JOB=bravo', 'INSTANCE=');
    assert.equal(h.state('one'), 'start/running');
    assert.equal(h.state('two'), 'stop/waiting', 'charlie has not started');
    h.emit('started', 'JOB=charlie', 'INSTANCE=');
    assert.equal(h.state('two'), 'start/running');
    h.emit('stopping', 'JOB=bravo', 'INSTANCE=', 'RESULT=ok');
    assert.equal(h.state('three'), 'stop/killed');
    assert.ok(h.port.kills.some((k) => k.pid === h.pid('three') && k.signal === 'TERM'));
  });
}

test('[default] a lifecycle event sent by hand about a job of ours does not move its levels', () => {
  const h = new Harness().add(jobClass('a', { exec: '/a' }), jobClass('j', { start: 'started a', exec: '/j' }));
  h.emit('started', 'JOB=a', 'INSTANCE=');
  assert.equal(h.spawnsOf('j').length, 0, 'a is not running: started a does not hold');
  run(h, 'a');
  assert.equal(h.spawnsOf('j').length, 1);
});

test('[default] a hand-sent lifecycle leaf is latched like a plain event: cleared when the condition fires', () => {
  const h = new Harness().add(jobClass('j', { start: 'started bravo and go', task: true, exec: '/j' }));
  h.emit('started', 'JOB=bravo');
  h.emit('go');
  assert.equal(h.spawnsOf('j').length, 1);
  h.exit(h.pid('j'));
  h.emit('go');
  assert.equal(h.spawnsOf('j').length, 1, 'the started bravo was consumed by the firing');
});

test('[default] an event matching a leaf that already holds fires an or again; an and needs its other side', () => {
  const h = new Harness().add(
    jobClass('a', { exec: '/a' }),
    jobClass('j', { start: 'started a or tick', task: true, exec: '/j' }),
    jobClass('k', { start: 'started a and tick', task: true, exec: '/k' }),
  );
  run(h, 'a');
  h.exit(h.pid('j'));
  h.emit('tick');
  assert.equal(h.spawnsOf('j').length, 2, 'tick is an occurrence of the or');
  assert.equal(h.spawnsOf('k').length, 1, 'a is running and tick came: the and fires');
  h.exit(h.pid('j'));
  h.exit(h.pid('k'));
  h.emit('nothing-relevant');
  assert.equal(h.spawnsOf('j').length + h.spawnsOf('k').length, 3, 'never while nothing changes');
});

// ---- property: where the modes must agree -------------------------------------------------------

/** Leaves whose meaning is the same in both modes: plain events, and lifecycle events of names that are no job. */
const LEAVES = ['A', 'B', 'C', 'started bravo', 'stopping charlie'] as const;
const EVENTS: Record<(typeof LEAVES)[number], string[]> = {
  A: ['A'], B: ['B'], C: ['C'],
  'started bravo': ['started', 'JOB=bravo', 'INSTANCE='],
  'stopping charlie': ['stopping', 'JOB=charlie', 'INSTANCE=', 'RESULT=ok'],
};

type Tree = { leaf: (typeof LEAVES)[number] } | { op: 'and' | 'or'; l: Tree; r: Tree };
const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.record({ leaf: fc.constantFrom(...LEAVES) }),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), l: tie('t'), r: tie('t') })),
})).t;
const text = (t: Tree): string => ('leaf' in t ? t.leaf : `(${text(t.l)} ${t.op} ${text(t.r)})`);
const holds = (t: Tree, seen: Set<string>): boolean => ('leaf' in t ? seen.has(t.leaf) : t.op === 'and' ? holds(t.l, seen) && holds(t.r, seen) : holds(t.l, seen) || holds(t.r, seen));

/** How many times the task was started after each event, in one mode. */
function firings(tree: Tree, events: (typeof LEAVES)[number][], legacy: boolean): number[] {
  const h = new Harness({ legacyConditions: legacy }).add(jobClass('j', { start: text(tree), task: true, exec: '/j' }));
  const out: number[] = [];
  for (const e of events) {
    const [name, ...env] = EVENTS[e];
    h.emit(name!, ...env);
    out.push(h.spawnsOf('j').length);
    for (const s of h.spawnsOf('j')) if (s.alive) h.exit(s.pid);
  }
  return out;
}

/** The shared meaning: leaves latch on their event; the condition fires when it holds, and forgets. */
function model(tree: Tree, events: (typeof LEAVES)[number][]): number[] {
  const seen = new Set<string>();
  let n = 0;
  return events.map((e) => {
    seen.add(e);
    if (holds(tree, seen)) {
      n++;
      seen.clear();
    }
    return n;
  });
}

test('property: on plain events and hand-sent lifecycle events both modes fire exactly when the shared model does', () => {
  fc.assert(
    fc.property(treeArb, fc.array(fc.constantFrom(...LEAVES), { maxLength: 12 }), (tree, events) => {
      const want = model(tree, events);
      assert.deepEqual(firings(tree, events, false), want, `default: start on ${text(tree)}`);
      assert.deepEqual(firings(tree, events, true), want, `legacy: start on ${text(tree)}`);
    }),
    { numRuns: 150 },
  );
});

/** Services that start and keep running: `started X` is a level in default mode and a latch in 1.13, the same until the first fire. */
const SERVICES = ['s1', 's2', 's3'] as const;
type Step = { start: (typeof SERVICES)[number] } | { emit: 'A' | 'B' };
type STree = { leaf: string } | { op: 'and' | 'or'; l: STree; r: STree };
const sLeaf = fc.constantFrom('A', 'B', ...SERVICES.map((s) => `started ${s}`));
const sTreeArb: fc.Arbitrary<STree> = fc.letrec<{ t: STree }>((tie) => ({
  t: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.record({ leaf: sLeaf }),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), l: tie('t'), r: tie('t') })),
})).t;
const sText = (t: STree): string => ('leaf' in t ? t.leaf : `(${sText(t.l)} ${t.op} ${sText(t.r)})`);
const stepArb: fc.Arbitrary<Step> = fc.oneof(fc.record({ start: fc.constantFrom(...SERVICES) }), fc.record({ emit: fc.constantFrom('A' as const, 'B' as const) }));

/** After which step the task first started (-1: never). */
function firstFire(tree: STree, steps: Step[], legacy: boolean): number {
  const h = new Harness({ legacyConditions: legacy }).add(...SERVICES.map((s) => jobClass(s, { exec: `/${s}` })), jobClass('j', { start: sText(tree), task: true, exec: '/j' }));
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i]!;
    if ('start' in st) {
      if (h.state(st.start) === 'stop/waiting') run(h, st.start);
    } else {
      h.emit(st.emit);
    }
    if (h.spawnsOf('j').length > 0) return i;
  }
  return -1;
}

test('property: with services that only start, both modes first fire on the same event', () => {
  fc.assert(
    fc.property(sTreeArb, fc.array(stepArb, { maxLength: 10 }), (tree, steps) => {
      assert.equal(firstFire(tree, steps, false), firstFire(tree, steps, true), `start on ${sText(tree)}`);
    }),
    { numRuns: 120 },
  );
});
