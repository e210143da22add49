// reload (initctl(8)): the reload signal to a running main process; the error when there is none to signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, jobClass } from './harness.ts';

test('reload: which error, or which signal, in each state of a singleton and an instance', () => {
  const h = new Harness().add(
    jobClass('svc', { exec: '/svc', pre: '/pre', reloadSignal: 'USR1' }),
    jobClass('state', { pre: '/bin/setup' }),
    jobClass('tty', { exec: '/getty', instance: '$TTY' }),
  );
  const reload = (job: string, ...env: string[]): string => {
    const before = h.port.kills.length;
    try {
      h.engine.reload(job, env);
    } catch (e) {
      return `${(e as { code: string }).code}: ${(e as Error).message}`;
    }
    return h.port.kills.slice(before).map((k) => `${k.signal} ${k.pid}${k.group ? ' group' : ''}`).join(', ');
  };
  assert.equal(reload('nope'), 'unknown-job: Unknown job: nope');
  assert.equal(reload('svc'), 'already-stopped: Job has already been stopped: svc');
  void h.engine.start('svc', [], false);
  h.settle();
  assert.equal(h.state('svc'), 'start/pre-start');
  assert.equal(reload('svc'), 'not-running: Job is not running: svc', 'the instance exists: not "Unknown instance"');
  h.exit(h.pid('svc', 'pre-start'));
  assert.equal(reload('svc'), `USR1 ${h.pid('svc')}`);
  assert.equal(reload('svc', 'bad entry'), 'invalid: Invalid environment entry: bad entry');

  void h.engine.start('state', [], false);
  h.settle();
  h.exit(h.pid('state', 'pre-start'));
  assert.equal(h.state('state'), 'start/running');
  assert.equal(reload('state'), 'not-running: Job is not running: state');

  assert.equal(reload('tty', 'TTY=tty1'), 'unknown-instance: Unknown instance: tty (tty1)');
  void h.engine.start('tty', ['TTY=tty1'], false);
  h.settle();
  assert.equal(reload('tty', 'TTY=tty1'), `HUP ${h.pid('tty', 'main', 'tty1')}`);
  assert.equal(reload('tty'), 'invalid: Unknown parameter: TTY');
});
