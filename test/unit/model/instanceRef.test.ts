// Tests for an instance's derived names: key, label, log file (init(5)), and the injective cgroup name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cgroupName, instanceKey, instanceLabel, logName, parseCgroupName } from '../../../src/model/instanceRef.ts';

test('key and label', () => {
  assert.equal(instanceKey('tty', 'tty1'), 'tty\0tty1');
  assert.notEqual(instanceKey('a', 'b'), instanceKey('a\0b', ''));
  assert.equal(instanceLabel('ssh', ''), 'ssh');
  assert.equal(instanceLabel('tty', 'tty1'), 'tty (tty1)');
});

test('log file names follow init(5)', () => {
  const cases: Array<[string, string, string]> = [
    ['foo', '', 'foo.log'],
    ['foo', 'bar', 'foo-bar.log'],
    ['foo/bar', 'wibble', 'foo_bar-wibble.log'],
    ['net/apache', '', 'net_apache.log'],
    ['getty', '/dev/ttyS0', 'getty-_dev_ttyS0.log'],
    ['a/b/c', 'x/y', 'a_b_c-x_y.log'],
    ['tty', 'tty1', 'tty-tty1.log'],
    ['sp ace', 'in st', 'sp ace-in st.log'],
  ];
  for (const [job, instance, want] of cases) assert.equal(logName(job, instance), want, `${job} (${instance})`);
});

test('an escaped log name never leaves the log directory', () => {
  for (const inst of ['../../etc/passwd', '/', '..', 'a/../../b']) {
    const name = logName('job', inst);
    assert.ok(!name.includes('/'), name);
  }
});

test('cgroup names: plain names stay readable; the names that used to collide differ', () => {
  assert.equal(cgroupName('ssh', ''), 'ssh');
  assert.equal(cgroupName('network-manager', ''), 'network-manager');
  assert.equal(cgroupName('tty', 'tty1'), 'tty@tty1');
  assert.equal(cgroupName('net/apache', 'eth0'), 'net%2Fapache@eth0');
  assert.equal(cgroupName('getty', '/dev/ttyS0'), 'getty@%2Fdev%2FttyS0');
  assert.equal(cgroupName('a', '..'), 'a@%2E.');
  assert.notEqual(cgroupName('a-b', ''), cgroupName('a', 'b'));
  assert.notEqual(cgroupName('net/apache', ''), cgroupName('net_apache', ''));
  assert.notEqual(cgroupName('a@b', ''), cgroupName('a', 'b'));
  assert.notEqual(cgroupName('a%40b', ''), cgroupName('a@b', ''));
});

test('cgroup names are injective, a valid directory name, and parseCgroupName inverts them', () => {
  const part = fc.string({ unit: fc.constantFrom('a', '-', '_', '/', '@', '%', '.', ' ', '\n', '4', '0', 'F', 'é'), maxLength: 8 });
  fc.assert(fc.property(part.filter((j) => j !== ''), part, (job, instance) => {
    const name = cgroupName(job, instance);
    assert.ok(!name.includes('/') && !name.includes('\n') && name !== '.' && name !== '..' && !name.startsWith('.'), name);
    assert.deepEqual(parseCgroupName(name), { job, instance });
  }), { numRuns: 5000 });
  for (const bad of ['', '.x', 'a@', '@b', 'a%2', 'a%2f', 'a%41']) assert.equal(parseCgroupName(bad), undefined, bad);
});
