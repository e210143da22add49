// Journal entries → Upstart's signals: EventEmitted, InstanceAdded/Removed, GoalChanged/StateChanged, Failed, JobAdded/Removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalEntry } from '../../../src/model/engineApi.ts';
import { conditionTokens } from '../../../src/dbus/properties.ts';
import { SignalSource, type OutSignal } from '../../../src/dbus/signals.ts';

const at = { t: 0, wall: 0 };
const state = (goal: 'start' | 'stop', s: string): JournalEntry => ({ ...at, kind: 'state', job: 'web-app', instance: '', goal, state: s as 'running' });

test('an instance life as signals', () => {
  const out: OutSignal[] = [];
  const src = new SignalSource((s) => out.push(s), ['web-app']);
  src.entry(state('start', 'starting'));
  src.entry(state('start', 'running'));
  src.entry({ ...at, kind: 'event', name: 'stopping', env: ['JOB=web-app', 'INSTANCE=', 'RESULT=failed', 'PROCESS=main', 'EXIT_SIGNAL=KILL'] });
  src.entry(state('stop', 'stopping'));
  src.entry(state('stop', 'waiting'));
  const said = out.map((s) => `${s.path} ${s.member} ${JSON.stringify(s.body)}`);
  assert.deepEqual(said, [
    '/com/ubuntu/Upstart/jobs/web_2dapp InstanceAdded ["/com/ubuntu/Upstart/jobs/web_2dapp/_"]',
    '/com/ubuntu/Upstart/jobs/web_2dapp/_ GoalChanged ["start"]',
    '/com/ubuntu/Upstart/jobs/web_2dapp/_ StateChanged ["starting"]',
    '/com/ubuntu/Upstart/jobs/web_2dapp/_ StateChanged ["running"]',
    '/com/ubuntu/Upstart EventEmitted ["stopping",["JOB=web-app","INSTANCE=","RESULT=failed","PROCESS=main","EXIT_SIGNAL=KILL"]]',
    '/com/ubuntu/Upstart/jobs/web_2dapp/_ Failed [9]',
    '/com/ubuntu/Upstart/jobs/web_2dapp/_ GoalChanged ["stop"]',
    '/com/ubuntu/Upstart/jobs/web_2dapp/_ StateChanged ["stopping"]',
    '/com/ubuntu/Upstart/jobs/web_2dapp/_ StateChanged ["waiting"]',
    '/com/ubuntu/Upstart/jobs/web_2dapp InstanceRemoved ["/com/ubuntu/Upstart/jobs/web_2dapp/_"]',
  ]);
});

test('classes coming and going', () => {
  const out: OutSignal[] = [];
  const src = new SignalSource((s) => out.push(s), ['a', 'b']);
  src.classesChanged(['b', 'c']);
  assert.deepEqual(out.map((s) => `${s.member} ${s.body[0]}`), ['JobAdded /com/ubuntu/Upstart/jobs/c', 'JobRemoved /com/ubuntu/Upstart/jobs/a']);
});

test('start_on as Upstart lists it: postfix, operators as /AND and /OR', () => {
  const c = {
    kind: 'and' as const,
    left: { kind: 'event' as const, name: 'started', args: [{ value: 'a' }] },
    right: {
      kind: 'or' as const,
      left: { kind: 'event' as const, name: 'net-up', args: [{ key: 'IFACE', value: 'eth0' }] },
      right: { kind: 'event' as const, name: 'runlevel', args: [{ key: 'RUNLEVEL', value: '2', negate: true }] },
    },
  };
  assert.deepEqual(conditionTokens(c), [['started', 'a'], ['net-up', 'IFACE=eth0'], ['runlevel', 'RUNLEVEL!=2'], ['/OR'], ['/AND']]);
});
