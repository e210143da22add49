// The job environment tables of initctl(8): a live instance's own table, and --global reaching every live instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, type EnvScope } from '../../../src/model/engineApi.ts';
import { Harness, jobClass } from './harness.ts';

const GLOBAL: EnvScope = { kind: 'global' };
const inst = (job: string, instance = ''): EnvScope => ({ kind: 'instance', job, instance });
const envOf = (h: Harness, job: string, process: 'main' | 'post-stop' = 'main'): string[] => h.spawnsOf(job, process).at(-1)!.req.env;

test("set-env in a job's own table reaches its later processes, not the global table or other jobs", () => {
  const h = new Harness().add(jobClass('j', { exec: '/j', pre: '/pre', env: [{ key: 'MODE', value: 'default' }] }), jobClass('k', { exec: '/k' }));
  void h.engine.start('j', [], false);
  void h.engine.start('k', [], false);
  h.settle();
  assert.equal(h.state('j'), 'start/pre-start');
  // What pre-start's `initctl set-env` does: MODE overrides the env stanza for main, COMPUTED is new.
  h.engine.envSet(inst('j'), [['MODE', 'computed'], ['COMPUTED', '1']], false);
  h.exit(h.pid('j', 'pre-start'));
  assert.equal(h.state('j'), 'start/running');
  assert.ok(envOf(h, 'j').includes('MODE=computed') && envOf(h, 'j').includes('COMPUTED=1'), envOf(h, 'j').join(' '));
  assert.equal(h.engine.jobEnv().has('COMPUTED'), false);
  assert.ok(!h.engine.envList(inst('k')).some(([k]) => k === 'COMPUTED'));
  // list-env inside the job shows its whole environment, sorted.
  const list = h.engine.envList(inst('j'));
  assert.deepEqual(list.map(([k]) => k), [...list.map(([k]) => k)].sort());
  assert.ok(list.some(([k, v]) => k === 'UPSTART_JOB' && v === 'j'));
});

test('global set-env and unset-env change the global table and every live instance; --retain keeps values', () => {
  const h = new Harness().add(jobClass('j', { exec: '/j', postStop: '/post', env: [{ key: 'KEEP', value: 'mine' }] }));
  void h.engine.start('j', [], false);
  h.settle();
  h.engine.envSet(GLOBAL, [['NEW', 'g'], ['KEEP', 'global']], true);
  assert.equal(h.engine.jobEnv().get('NEW'), 'g');
  assert.equal(h.engine.jobEnv().get('KEEP'), 'global', 'the global table had no KEEP');
  const j = new Map(h.engine.envList(inst('j')));
  assert.equal(j.get('NEW'), 'g');
  assert.equal(j.get('KEEP'), 'mine', '--retain keeps the instance its value');
  h.engine.envUnset(GLOBAL, ['TERM'], false);
  assert.equal(h.engine.jobEnv().has('TERM'), false);
  void h.engine.stop('j', [], false);
  h.settle();
  h.signal(h.pid('j'), 'TERM');
  const post = envOf(h, 'j', 'post-stop');
  assert.ok(post.includes('NEW=g') && !post.some((e) => e.startsWith('TERM=')), post.join(' '));
});

test('reset-env: an instance is rebuilt as at its starting; the global table returns to its defaults, instances keep theirs', () => {
  const h = new Harness().add(jobClass('j', { exec: '/j', env: [{ key: 'A', value: 'stanza' }] }));
  void h.engine.start('j', ['B=cmd'], false);
  h.settle();
  h.engine.envSet(inst('j'), [['A', 'changed'], ['X', '1']], false);
  h.engine.envUnset(inst('j'), ['B'], false);
  h.engine.envReset(inst('j'), new Map());
  const j = new Map(h.engine.envList(inst('j')));
  assert.equal(j.get('A'), 'stanza');
  assert.equal(j.get('B'), 'cmd');
  assert.equal(j.has('X'), false);
  h.engine.envSet(GLOBAL, [['G', '1']], false);
  h.engine.envReset(GLOBAL, new Map([['PATH', '/bin']]));
  assert.deepEqual([...h.engine.jobEnv()], [['PATH', '/bin']]);
  assert.equal(new Map(h.engine.envList(inst('j'))).get('G'), '1');
});

test('an instance scope naming no live instance is an error', () => {
  const h = new Harness().add(jobClass('j', { exec: '/j' }), jobClass('tty', { exec: '/t', instance: '$N' }));
  const err = (f: () => void, code: string, message: string): void => {
    assert.throws(f, (e: unknown) => e instanceof EngineError && e.code === code && e.message === message);
  };
  err(() => h.engine.envList(inst('nope')), 'unknown-job', 'Unknown job: nope');
  err(() => h.engine.envList(inst('j')), 'unknown-instance', 'Unknown instance: j');
  err(() => h.engine.envSet(inst('tty', 'tty1'), [['A', '1']], false), 'unknown-instance', 'Unknown instance: tty (tty1)');
  void h.engine.start('tty', ['N=tty1'], false);
  h.settle();
  h.engine.envSet(inst('tty', 'tty1'), [['A', '1']], false);
  assert.equal(new Map(h.engine.envList(inst('tty', 'tty1'))).get('A'), '1');
});

test('set-env with a NUL in the name or value is refused, nothing is stored, and the next start works', async () => {
  const h = new Harness().add(jobClass('j', { exec: '/j' }));
  for (const pair of [['Z\0', 'x'], ['Z', 'x\0y'], ['', 'x'], ['A=B', 'x']] as Array<[string, string]>) {
    assert.throws(() => h.engine.envSet(GLOBAL, [['OK', '1'], pair], false), (e: unknown) => e instanceof EngineError && e.code === 'invalid');
  }
  assert.equal(h.engine.jobEnv().has('OK'), false, 'a refused set-env stores none of its pairs');
  await assert.rejects(h.engine.emit('ev', ['A=x\0'], false), (e: unknown) => e instanceof EngineError && e.code === 'invalid');
  await assert.rejects(h.engine.start('j', ['A=x\0'], false), (e: unknown) => e instanceof EngineError && e.code === 'invalid');
  void h.engine.start('j', [], false);
  h.settle();
  assert.equal(h.state('j'), 'start/running');
});
