// emit --dry-run and reload-configuration --dry-run on a real daemon: the prediction is what the real emit then does; nothing changes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/control/client.ts';
import { startDaemon, waitForStatus, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;

// Six jobs: a chain (e → a → b → stops c), an instance job on e, one on another event, one unconcerned.
const JOBS: Record<string, string> = {
  a: 'start on e\nexec sleep 6401\n',
  b: 'start on started a\nexec sleep 6402\n',
  c: 'stop on started b\nexec sleep 6403\n',
  d: 'start on e\ninstance $N\nexec sleep 6404\n',
  f: 'start on other\nexec sleep 6405\n',
  g: 'exec sleep 6406\n',
};

before(async () => {
  // --no-inotify: the reload test edits the conf dir and asks before anything applies it.
  d = await startDaemon(JOBS, { args: ['--no-inotify'] });
  for (const j of ['c', 'g']) assert.equal((await d.initctl(['start', j])).code, 0);
});

after(async () => {
  await d?.stop();
});

const withoutPids = (text: string): string[] => text.split('\n').filter((l) => l !== '').map((l) => l.replace(/, process \d+$/, ''));
const journalLength = async (): Promise<number> => (await d.initctl(['events', '--json'])).stdout.split('\n').filter((l) => l !== '').length;

test('emit --dry-run lists exactly the starts and stops the real emit then performs, and changes nothing', async () => {
  const list0 = (await d.initctl(['list'])).stdout;
  const journal0 = await journalLength();

  const dry = await d.initctl(['emit', '--dry-run', 'e', 'N=1']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, 'a start/running\nd (1) start/running\nb start/running\nc stop/waiting\n');
  const json = JSON.parse((await d.initctl(['emit', '--dry-run', '--json', 'e', 'N=1'])).stdout) as {
    changes: Array<{ job: string; instance: string; change: string; before?: string; after: string }>;
    events: Array<{ name: string }>;
    complete: boolean;
  };
  assert.deepEqual(json.changes.map((c) => [c.change, c.job, c.instance, c.before ?? null, c.after]), [
    ['start', 'a', '', null, 'start/running'],
    ['start', 'd', '1', null, 'start/running'],
    ['start', 'b', '', null, 'start/running'],
    ['stop', 'c', '', 'start/running', 'stop/waiting'],
  ]);
  assert.equal(json.complete, true);
  assert.equal(json.events[0]?.name, 'e');

  // Nothing changed: the same list, not one journal entry (no event, no state, no process).
  assert.equal((await d.initctl(['list'])).stdout, list0);
  assert.equal(await journalLength(), journal0);

  // The real emit does what was said.
  assert.equal((await d.initctl(['emit', 'e', 'N=1'])).code, 0);
  await waitForStatus(d, 'c', 'stop/waiting');
  await waitForStatus(d, 'b', 'start/running');
  const list1 = (await d.initctl(['list'])).stdout;
  const was = new Set(withoutPids(list0));
  const changed = withoutPids(list1).filter((l) => !was.has(l));
  assert.deepEqual(changed.sort(), withoutPids(dry.stdout).sort());
  // f and g did not move.
  assert.match(list1, /^f stop\/waiting$/m);
  assert.match(list1, /^g start\/running, process \d+$/m);
});

test('a dry run says where it stops knowing: a task', async () => {
  d.writeJob('t', 'start on go\ntask\nexec true\n');
  assert.equal((await d.initctl(['reload-configuration'])).code, 0);
  const r = await d.initctl(['emit', '--dry-run', 'go']);
  assert.equal(r.stdout, 't start/running\n\tnot known past here: a task: what its end starts or stops depends on its exit status\n');
  const json = JSON.parse((await d.initctl(['emit', '--dry-run', '--json', 'go'])).stdout) as { complete: boolean };
  assert.equal(json.complete, false);
  const bad = await d.initctl(['emit', '--dry-run', 'go', 'novalue']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'initctl: Invalid environment entry: novalue\n');
});

test('reload-configuration --dry-run: one class added, one changed, one removed; the running one would keep its definition', async () => {
  await waitForStatus(d, 'b', 'start/running');
  d.writeJob('h', 'start on e\nexec sleep 6407\n');
  d.writeJob('b', 'start on started g\nexec sleep 6402\n');
  d.removeJob('f');
  const show0 = (await d.initctl(['show-config'])).stdout;
  const list0 = (await d.initctl(['list'])).stdout;
  const r = await d.initctl(['reload-configuration', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    'added h',
    'changed b',
    '\tstart on: started a -> started g',
    'removed f',
    'kept b start/running',
    '',
  ].join('\n'));
  const plan = JSON.parse((await d.initctl(['reload-configuration', '--dry-run', '--json'])).stdout) as {
    added: string[]; changed: Array<{ name: string; changes: Array<{ field: string; before?: string; after?: string }> }>; removed: string[];
    kept: Array<{ job: string; changes: unknown }>;
  };
  assert.deepEqual(plan.added, ['h']);
  assert.deepEqual(plan.changed, [{ name: 'b', changes: [{ field: 'start on', before: 'started a', after: 'started g' }] }]);
  assert.deepEqual(plan.removed, ['f']);
  assert.deepEqual(plan.kept.map((k) => k.job), ['b']);
  // Nothing applied.
  assert.equal((await d.initctl(['show-config'])).stdout, show0);
  assert.equal((await d.initctl(['list'])).stdout, list0);
});

test('--from DIR stages a change before it is copied in; bad DIRs are refused', async () => {
  const stage = join(d.dir, 'stage');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage);
  cpSync(d.confdir, stage, { recursive: true });
  writeFileSync(join(stage, 'g.conf'), 'exec sleep 6406\naction ping exec true\n');
  const r = await d.initctl(['reload-configuration', '--dry-run', '--from', stage]);
  assert.equal(r.code, 0, r.stderr);
  // The conf dir has h, the new b, no f (not reloaded yet); the staged copy adds g's action too.
  assert.equal(r.stdout, [
    'added h',
    'changed b',
    '\tstart on: started a -> started g',
    'changed g',
    '\taction ping: (none) -> exec true',
    'removed f',
    'kept b start/running',
    'kept g start/running',
    '',
  ].join('\n'));
  for (const [from, msg] of [['relative', /absolute path/], [join(d.dir, 'nothing'), /no such directory/]] as const) {
    const bad = await d.initctl(['reload-configuration', '--dry-run', '--from', from]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, msg);
  }
  const noDry = await d.initctl(['reload-configuration', '--from', stage]);
  assert.equal(noDry.code, 1);
  assert.doesNotMatch((await d.initctl(['list'])).stdout, /^h /m);
});

test('over the JSON protocol: emit-dry-run and reload-dry-run', async () => {
  const c = await connect(d.socket);
  try {
    const r = await c.emitDryRun('other');
    assert.deepEqual(r.changes.map((x) => [x.change, x.job]), [['start', 'f']]);
    const plan = await c.reloadDryRun();
    assert.deepEqual(plan.added, ['h']);
    await assert.rejects(c.reloadDryRun('relative'), (e: Error & { code?: string }) => e.code === 'invalid');
  } finally {
    c.close();
  }
});
