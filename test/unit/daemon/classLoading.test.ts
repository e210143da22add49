// ClassLoading (src/daemon/classLoading.ts): a whole load, the watcher's changes, a class the engine refuses, and who is told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassLoading } from '../../../src/daemon/classLoading.ts';
import type { Engine } from '../../../src/job/engine.ts';
import { defaultJobClass, type JobClassSpec } from '../../../src/model/jobClass.ts';

function spec(name: string, exec = 'sleep 1'): JobClassSpec {
  const s = defaultJobClass(name);
  s.path = `/etc/init/${name}.conf`;
  s.description = exec;
  return s;
}

/** The four engine calls ClassLoading makes, over a Map; `refuse` names classes addOrReplaceClass throws for. */
function fakeEngine(refuse: string[] = []): { engine: Engine; classes: Map<string, JobClassSpec>; adds: string[] } {
  const classes = new Map<string, JobClassSpec>();
  const adds: string[] = [];
  const engine = {
    getClass: (n: string) => classes.get(n),
    classes: () => [...classes.values()],
    removeClass: (n: string) => { classes.delete(n); },
    addOrReplaceClass: (s: JobClassSpec) => {
      if (refuse.includes(s.name)) throw new Error('refused by the engine');
      adds.push(s.name);
      classes.set(s.name, structuredClone(s));
    },
  } as unknown as Engine;
  return { engine, classes, adds };
}

function loading(engine: Engine): { l: ClassLoading; log: string[]; changed: number[] } {
  const log: string[] = [];
  const changed: number[] = [];
  const l = new ClassLoading({
    engine: () => engine,
    log: { error: (m) => log.push(`error ${m}`), info: (m) => log.push(`info ${m}`) },
    changed: () => changed.push(1),
  });
  return { l, log, changed };
}

test('a whole load makes the classes exactly those loaded; a class the engine refuses is logged and the others load', () => {
  const { engine, classes } = fakeEngine(['bad']);
  const { l, log, changed } = loading(engine);
  classes.set('gone', spec('gone'));
  let watched = 0;
  const unwatch = l.watch(() => { watched++; });
  l.applyLoad({ classes: new Map([['a', spec('a')], ['bad', spec('bad')], ['b', spec('b')]]), errors: [] });
  assert.deepEqual([...classes.keys()].sort(), ['a', 'b']);
  assert.deepEqual(log, ['error /etc/init/bad.conf: refused by the engine']);
  assert.equal(changed.length, 1);
  assert.equal(watched, 1);
  unwatch();
  l.applyLoad({ classes: new Map([['a', spec('a')]]), errors: [] });
  assert.equal(watched, 1, 'an unsubscribed watcher is not told');
  assert.equal(changed.length, 2);
});

test('after a re-exec (onlyChanged) a class whose file is as the state has it is not replaced', () => {
  const { engine, adds } = fakeEngine();
  const { l } = loading(engine);
  l.applySpecs([spec('a'), spec('b')], false);
  assert.deepEqual(adds, ['a', 'b']);
  l.applySpecs([spec('a'), spec('b', 'sleep 2')], true);
  assert.deepEqual(adds, ['a', 'b', 'b']);
});

test("the watcher's change: added and changed classes load (logged as such), removed ones go, errors are logged", () => {
  const { engine, classes } = fakeEngine();
  const { l, log, changed } = loading(engine);
  classes.set('old', spec('old'));
  classes.set('c', spec('c'));
  l.applyChange({ added: [spec('n')], changed: [spec('c', 'sleep 2')], removed: ['old'], errors: [] });
  assert.deepEqual([...classes.keys()].sort(), ['c', 'n']);
  assert.equal(classes.get('c')!.description, 'sleep 2');
  assert.deepEqual(log, ['info loaded job n', 'info reloaded job c', 'info removed job old']);
  assert.equal(changed.length, 1);
});
