// classDiff: facts of a class, what differs between two definitions, and the reload plan (added, changed, removed, kept).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffClasses, planReload } from '../../../src/config/classDiff.ts';
import { parseJob } from '../../../src/config/parser.ts';
import { formatReloadPlan } from '../../../src/control/commands/dryRun.ts';
import type { JobClassSpec } from '../../../src/model/jobClass.ts';

function spec(text: string, name = 'j', file = `${name}.conf`): JobClassSpec {
  const r = parseJob(text, { file, name });
  assert.deepEqual(r.errors, []);
  return r.spec!;
}

test('lines, comments and the file a class came from are not facts', () => {
  assert.deepEqual(diffClasses(spec('exec a\n'), spec('# c\n\nexec a\n', 'j', 'stage/j.conf')), []);
});

test('each differing fact, by stanza: conditions as text, processes and actions as their commands', () => {
  const a = spec('start on started x\nexec a\npre-start exec p\naction r exec one\nrespawn\n');
  const b = spec('start on started y\nscript\n  b\nend script\naction r exec two\naction s exec new\nenv K=v\n');
  assert.deepEqual(diffClasses(a, b), [
    { field: 'env', before: '[]', after: '[{"key":"K","value":"v"}]' },
    { field: 'respawn', before: 'true', after: 'false' },
    { field: 'main', before: 'exec a', after: 'script\nb\nend script' },
    { field: 'pre-start', before: 'exec p' },
    { field: 'action r', before: 'exec one', after: 'exec two' },
    { field: 'start on', before: 'started x', after: 'started y' },
    { field: 'action s', after: 'exec new' },
  ]);
});

test('the plan: added, changed, removed, errors, and live instances that keep an old definition', () => {
  const a = spec('exec a\n', 'a');
  const b = spec('exec b\n', 'b');
  const c = spec('exec c\n', 'c');
  const b2 = spec('exec b2\n', 'b');
  const n = spec('exec n\n', 'n');
  const plan = planReload(['/etc/init'], [a, b, c], new Map([['a', a], ['b', b2], ['n', n]]), ['/etc/init/x.conf:1:1: unknown stanza'], [
    { job: 'b', instance: '', goal: 'start', state: 'running', spec: b },
    { job: 'c', instance: 'i', goal: 'start', state: 'running', spec: c },
    { job: 'a', instance: '', goal: 'start', state: 'running', spec: a },
  ]);
  assert.equal(formatReloadPlan(plan), [
    'added n',
    'changed b',
    '\tmain: exec b -> exec b2',
    'removed c',
    'error /etc/init/x.conf:1:1: unknown stanza',
    'kept b start/running',
    'kept c (i) start/running (its job file is gone)',
    '',
  ].join('\n'));
});
