// The dependency analysis: triggers as initctl graph reads them, the stop-before pairs, layers (with cycles) and the shutdown order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classDependencies, layers, shutdownOrder, stopBefore } from '../../../src/events/dependencies.ts';
import { jobClass } from '../job/harness.ts';

test('triggers: a named job, a glob, a variable and a plain event; manual drops start on', () => {
  const d = classDependencies(jobClass('a', { start: 'started b and foo', stop: 'stopping net-* or stopped $X', emits: ['bar'] }));
  assert.deepEqual(d, {
    job: 'a',
    triggers: [
      { on: 'start', kind: 'job', job: 'b', glob: false, event: 'started' },
      { on: 'start', kind: 'event', event: 'foo' },
      { on: 'stop', kind: 'job', job: 'net-*', glob: true, event: 'stopping' },
      { on: 'stop', kind: 'event', event: 'stopped' },
    ],
    emits: ['bar'],
  });
  assert.deepEqual(classDependencies(jobClass('m', { start: 'started b', manual: true })).triggers, []);
});

test('stop-before pairs: stop on stopping b (a first), stop on stopped b (b first), start on started b (a first), globs expanded', () => {
  const specs = [
    jobClass('a', { stop: 'stopping b' }),
    jobClass('b', {}),
    jobClass('c', { stop: 'stopped b' }),
    jobClass('d', { start: 'started b' }),
    jobClass('e', { start: 'stopped b' }),
    jobClass('f', { stop: 'stopping net-*' }),
    jobClass('net-1', {}),
    jobClass('net-2', {}),
    jobClass('g', { stop: 'stopping g' }),
  ];
  assert.deepEqual(stopBefore(specs), [['a', 'b'], ['b', 'c'], ['d', 'b'], ['f', 'net-1'], ['f', 'net-2']]);
});

test('layers follow the pairs; a cycle is broken at one class', () => {
  assert.deepEqual(layers(['x', 'a', 'b', 'c'], [['a', 'b'], ['b', 'c']]), [['a', 'x'], ['b'], ['c']]);
  assert.deepEqual(layers(['p', 'q', 'r'], [['p', 'q'], ['q', 'p'], ['q', 'r']]), [['p'], ['q'], ['r']]);
  // Pairs naming classes outside the set are ignored.
  assert.deepEqual(layers(['b'], [['a', 'b']]), [['b']]);
});

test('shutdown order: classes with a stop on first, those without last', () => {
  const specs = [
    jobClass('db', {}),
    jobClass('web', { start: 'started db', stop: 'runlevel [!2345]' }),
    jobClass('log', { stop: 'stopping web' }),
    jobClass('tty', {}),
  ];
  assert.deepEqual(shutdownOrder(specs), [['log'], ['web'], ['db', 'tty']]);
});
