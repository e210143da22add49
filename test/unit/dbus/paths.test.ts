// Upstart's object-path escaping: names map to path elements and back; paths name the manager, jobs and instances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapePathElement, instancePath, jobPath, parsePath, unescapePathElement } from '../../../src/dbus/paths.ts';

test('escaping: letters and digits stay, everything else is _XX, the empty instance is _', () => {
  const cases: Array<[string, string]> = [
    ['cron', 'cron'], ['network-manager', 'network_2dmanager'], ['net/apache', 'net_2fapache'],
    ['a_b', 'a_5fb'], ['', '_'], ['tty1', 'tty1'], ['é', '_c3_a9'], ['a.b', 'a_2eb'],
  ];
  for (const [name, el] of cases) {
    assert.equal(escapePathElement(name), el, name);
    assert.equal(unescapePathElement(el), name, el);
  }
  assert.equal(unescapePathElement('a-b'), undefined);
  assert.equal(unescapePathElement('_zz'), undefined);
});

test('paths', () => {
  assert.equal(jobPath('net/apache'), '/com/ubuntu/Upstart/jobs/net_2fapache');
  assert.equal(instancePath('tty', ''), '/com/ubuntu/Upstart/jobs/tty/_');
  assert.deepEqual(parsePath('/com/ubuntu/Upstart'), { kind: 'manager' });
  assert.deepEqual(parsePath('/com/ubuntu/Upstart/jobs/net_2fapache'), { kind: 'job', job: 'net/apache' });
  assert.deepEqual(parsePath('/com/ubuntu/Upstart/jobs/tty/tty1'), { kind: 'instance', job: 'tty', instance: 'tty1' });
  assert.deepEqual(parsePath('/com/ubuntu/Upstart/jobs/tty/_'), { kind: 'instance', job: 'tty', instance: '' });
  assert.deepEqual(parsePath('/org/x'), { kind: 'none' });
  assert.deepEqual(parsePath('/com/ubuntu/Upstart/jobs/a/b/c'), { kind: 'none' });
  assert.deepEqual(parsePath('/com/ubuntu/Upstart/jobs'), { kind: 'node', path: '/com/ubuntu/Upstart/jobs' });
});
