// The re-exec state envelope: every released format's fixture loads in this image; a newer, truncated or wrong state is refused with a code naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { decodeState, encodeState, keptFds, STATE_FORMAT, StateError } from '../../../src/state/envelope.ts';
import { Harness } from '../job/harness.ts';

const FIXTURES = new URL('../../fixtures/state/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

test('there is a fixture for every format up to the current one, and each loads', () => {
  const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.json')).sort();
  for (let f = 1; f <= STATE_FORMAT; f++) assert.ok(names.includes(`format-${f}.json`), `test/fixtures/state/format-${f}.json`);
  for (const n of names) {
    const s = decodeState(fixture(n));
    assert.equal(s.format, STATE_FORMAT, `${n} is upgraded to the current format`);
  }
});

for (const name of ['format-1.json', 'format-2.json']) test(`${name} (a session daemon mid-way: a pre-start running, a kill timer armed, 2 of 3 events seen) carries on in an engine built from it`, () => {
  const s = decodeState(fixture(name));
  assert.deepEqual(keptFds(s).slice(0, 2), [s.parts.daemon.controlFd, s.parts.daemon.notifyFd]);
  assert.equal(s.parts.process.owned.length, 4);
  assert.deepEqual(s.parts.cgroups?.names.map((n) => n[0]).sort(), ['inst@a%2Fb', 'slow', 'stubborn', 'svc']);
  const h = new Harness({}, undefined, s.parts.engine);
  const st = (job: string, inst?: string): string => h.engine.status(job, inst).map((x) => `${x.goal}/${x.state}`).join(' ');
  assert.equal(st('svc'), 'start/running');
  assert.equal(st('inst', 'a/b'), 'start/running');
  assert.equal(st('slow'), 'start/pre-start');
  assert.equal(st('stubborn'), 'stop/killed');
  assert.equal(st('triple'), '');
  // The third event of the `and`: it starts now.
  h.emit('ev-c');
  assert.equal(h.state('triple'), 'start/running');
  // The kill timer was re-armed with its time left (at most the 3 s of kill timeout).
  h.clock.advance(3000);
  assert.ok(h.port.kills.some((x) => x.signal === 'KILL'), JSON.stringify(h.port.kills));
});

test('what this image writes reads back unchanged; format 1 upgraded reads as format 2 does', () => {
  const s = decodeState(fixture('format-2.json'));
  assert.deepEqual(decodeState(encodeState(s)), s);
  const up = decodeState(fixture('format-1.json'));
  assert.equal(up.parts.engine.version, 2);
  const envOf = (x: typeof s, job: string): string[] => {
    const j = x.parts.engine.jobs.find((w) => w.name === job)!;
    return j.env.map((i) => x.parts.engine.strings[i]!);
  };
  assert.ok(envOf(up, 'inst').includes('N=a/b'), envOf(up, 'inst').join(' '));
  assert.deepEqual(envOf(up, 'inst').filter((e) => !e.startsWith('HOME=')), envOf(s, 'inst'));
});

test('a state it cannot use is refused with a code: newer format, truncated, a wrong field named', () => {
  const good = fixture('format-1.json');
  const code = (text: string): string => {
    try {
      decodeState(text);
      return 'accepted';
    } catch (err) {
      assert.ok(err instanceof StateError, String(err));
      return `${err.code}: ${err.message}`;
    }
  };
  assert.match(code(JSON.stringify({ ...JSON.parse(good), format: 999 })), /^newer: state format 999 is newer than this image knows \(2\)/);
  assert.match(code(good.slice(0, good.length / 2)), /^corrupt: /);
  assert.match(code('[]'), /^invalid: state: expected an object/);
  const doc = JSON.parse(good);
  doc.parts.engine.jobs[0].state = 'flying';
  assert.match(code(JSON.stringify(doc)), /^invalid: parts\.engine\.jobs\[0\]\.state: unknown state "flying"/);
  const doc2 = JSON.parse(good);
  doc2.parts.logs.entries[0].masters = [1];
  assert.match(code(JSON.stringify(doc2)), /^invalid: parts\.logs\.entries\[0\]\.masters\[0\]: expected an integer >= 3/);
  const doc3 = JSON.parse(good);
  delete doc3.parts.process;
  assert.match(code(JSON.stringify(doc3)), /^invalid: parts\.process: expected an object/);
});

test('the fd store and the bus joined cross in the daemon part (added compatibly: format 2 without them loads, as above)', () => {
  const doc = JSON.parse(fixture('format-2.json'));
  assert.equal(decodeState(JSON.stringify(doc)).parts.daemon.fdStore, undefined);
  doc.parts.daemon.fdStore = [['inet-127.0.0.1-8080', 31], ['unix-x', 32]];
  doc.parts.daemon.bus = 'unix:path=/run/user/1000/bus';
  const s = decodeState(JSON.stringify(doc));
  assert.deepEqual(s.parts.daemon.fdStore, [['inet-127.0.0.1-8080', 31], ['unix-x', 32]]);
  assert.equal(s.parts.daemon.bus, 'unix:path=/run/user/1000/bus');
  assert.ok(keptFds(s).includes(31) && keptFds(s).includes(32), keptFds(s).join(' '));
  const refused = (daemon: Record<string, unknown>): string => {
    try {
      decodeState(JSON.stringify({ ...doc, parts: { ...doc.parts, daemon: { ...doc.parts.daemon, ...daemon } } }));
      return 'accepted';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(refused({ fdStore: [['a', 2]] }), /parts\.daemon\.fdStore\[0\]\[1\]: expected an integer >= 3/);
  assert.match(refused({ fdStore: [['a', 40], ['a', 41]] }), /parts\.daemon\.fdStore\[1\]\[0\]: "a" named twice/);
  assert.match(refused({ bus: '' }), /parts\.daemon\.bus: expected a D-Bus address/);
});
