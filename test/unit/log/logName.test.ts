// Tests for log file names: JOB.log, JOB-INSTANCE.log, every '/' escaped as '_' (init(5)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logFileName } from '../../../src/log/logName.ts';

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
  for (const [job, instance, want] of cases) assert.equal(logFileName(job, instance), want, `${job} (${instance})`);
});

test('an escaped name never leaves the log directory', () => {
  for (const inst of ['../../etc/passwd', '/', '..', 'a/../../b']) {
    const name = logFileName('job', inst);
    assert.ok(!name.includes('/'), name);
  }
});
