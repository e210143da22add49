// Every start on / stop on example of init(5) and the starting/started/stopping/stopped(7) pages, end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import { Harness, jobClass } from './harness.ts';

function job(h: Harness, name: string, text: string): void {
  const r = parseJob(text, { file: `${name}.conf`, name });
  assert.ok(r.spec, r.errors.map((e) => e.message).join('; '));
  h.add(r.spec);
}

function svc(h: Harness, ...names: string[]): void {
  for (const n of names) h.add(jobClass(n, { exec: `/usr/sbin/${n}` }));
}

test('start on started gdm or started kdm / stop on stopping gdm or stopping kdm', () => {
  const h = new Harness();
  svc(h, 'gdm', 'kdm');
  job(h, 'j', 'start on started gdm or started kdm\nstop on stopping gdm or stopping kdm\nexec /j\n');
  void h.engine.start('kdm', [], false);
  h.settle();
  assert.equal(h.state('j'), 'start/running');
  void h.engine.stop('kdm', [], false);
  h.settle();
  assert.equal(h.state('j'), 'stop/killed');
});

test('start on stopped JOB=foo RESULT=failed PROCESS=pre-start', () => {
  const h = new Harness().add(jobClass('foo', { exec: '/foo', pre: '/check' }));
  job(h, 'j', 'start on stopped JOB=foo RESULT=failed PROCESS=pre-start\ntask\nexec /report\n');
  void h.engine.start('foo', [], false);
  h.settle();
  h.exit(h.pid('foo', 'pre-start'), 0);
  h.signal(h.pid('foo'), 'SEGV');
  assert.equal(h.spawnsOf('j').length, 0, 'main failed, not pre-start');
  void h.engine.start('foo', [], false);
  h.settle();
  h.exit(h.pid('foo', 'pre-start'), 1);
  assert.equal(h.spawnsOf('j').length, 1);
  assert.ok(h.spawnsOf('j')[0]!.req.env.includes('EXIT_STATUS=1'));
});

test('start on device-added SUBSYSTEM=tty DEVPATH=ttyS*', () => {
  const h = new Harness();
  job(h, 'j', 'start on device-added SUBSYSTEM=tty DEVPATH=ttyS*\ntask\nexec /j\n');
  h.emit('device-added', 'SUBSYSTEM=tty', 'DEVPATH=tty1');
  h.emit('device-added', 'SUBSYSTEM=usb', 'DEVPATH=ttyS0');
  assert.equal(h.spawnsOf('j').length, 0);
  h.emit('device-added', 'SUBSYSTEM=tty', 'DEVPATH=ttyS0');
  assert.equal(h.spawnsOf('j').length, 1);
});

test('start on net-device-added INTERFACE!=lo', () => {
  const h = new Harness();
  job(h, 'j', 'start on net-device-added INTERFACE!=lo\ntask\nexec /j\n');
  h.emit('net-device-added', 'INTERFACE=lo');
  assert.equal(h.spawnsOf('j').length, 0);
  h.emit('net-device-added', 'INTERFACE=eth0');
  assert.equal(h.spawnsOf('j').length, 1);
});

test('start on (A and B C=D and E F=G)', () => {
  const h = new Harness();
  job(h, 'j', 'start on (A and B C=D and E F=G)\ntask\nexec /j\n');
  h.emit('A');
  h.emit('B', 'C=X');
  h.emit('E', 'F=G');
  assert.equal(h.spawnsOf('j').length, 0);
  h.emit('B', 'C=D');
  assert.equal(h.spawnsOf('j').length, 1);
});

test('stop on A; stop on starting B and stopped JOB=C', () => {
  const h = new Harness();
  svc(h, 'B', 'C');
  job(h, 'x', 'stop on A\nexec /x\n');
  job(h, 'y', 'stop on starting B and stopped JOB=C\nexec /y\n');
  void h.engine.start('x', [], false);
  void h.engine.start('y', [], false);
  h.settle();
  h.emit('A');
  assert.equal(h.state('x'), 'stop/killed');
  void h.engine.start('C', [], false);
  h.settle();
  void h.engine.stop('C', [], false);
  h.settle();
  h.signal(h.pid('C'), 'TERM');
  assert.equal(h.state('y'), 'start/running');
  void h.engine.start('B', [], false);
  h.settle();
  assert.equal(h.state('y'), 'stop/killed');
  assert.equal(h.state('B'), 'start/starting', 'starting B waits for y to stop');
  h.signal(h.pid('y'), 'TERM');
  assert.equal(h.state('B'), 'start/running');
});

test('stop on device-removed DEVPATH=$DEVPATH (from the start environment)', () => {
  const h = new Harness();
  job(h, 'j', 'instance $DEVPATH\nstart on device-added\nstop on device-removed DEVPATH=$DEVPATH\nexec /j\n');
  h.emit('device-added', 'DEVPATH=/a');
  h.emit('device-added', 'DEVPATH=/b');
  h.emit('device-removed', 'DEVPATH=/b');
  assert.deepEqual(h.engine.status('j').map((s) => `${s.instance} ${s.goal}`), ['/a start', '/b stop']);
});

test('starting(7)/stopped(7): start on starting apache, stop on stopped apache', () => {
  const h = new Harness();
  svc(h, 'apache');
  job(h, 'helper', 'start on starting apache\nstop on stopped apache\nexec /helper\n');
  void h.engine.start('apache', [], false);
  h.settle();
  const started = h.eventLog((n) => n === 'started').map((l) => l.split(' ')[1]);
  assert.deepEqual(started, ['JOB=helper', 'JOB=apache']);
  void h.engine.stop('apache', [], false);
  h.settle();
  h.signal(h.pid('apache'), 'TERM');
  assert.equal(h.state('apache'), 'stop/waiting');
  assert.equal(h.state('helper'), 'stop/killed');
});

test('stopping(7): start on stopping postgresql RESULT=ok runs before postgresql is killed', () => {
  const h = new Harness();
  svc(h, 'postgresql');
  job(h, 'dump', 'start on stopping postgresql RESULT=ok\ntask\nexec /dump\n');
  void h.engine.start('postgresql', [], false);
  h.settle();
  void h.engine.stop('postgresql', [], false);
  h.settle();
  assert.equal(h.state('postgresql'), 'stop/stopping');
  assert.equal(h.port.kills.length, 0);
  h.exit(h.pid('dump'));
  assert.equal(h.state('postgresql'), 'stop/killed');
});

test('normal exit 0 1 TERM SIGHUP with respawn', () => {
  const h = new Harness();
  job(h, 'n', 'respawn\nnormal exit 0 1 TERM SIGHUP\nexec /n\n');
  for (const [how, v] of [['exit', 1], ['signal', 'HUP'], ['signal', 'TERM'], ['exit', 0]] as const) {
    void h.engine.start('n', [], false);
    h.settle();
    if (how === 'exit') h.exit(h.pid('n'), v);
    else h.signal(h.pid('n'), v);
    assert.equal(h.state('n'), 'stop/waiting', `${how} ${v}`);
    assert.match(h.jobEvents('n').at(-1)!, /^stopped RESULT=ok/);
  }
  void h.engine.start('n', [], false);
  h.settle();
  h.exit(h.pid('n'), 2);
  assert.equal(h.state('n'), 'start/running', 'status 2 respawns');
});

test('instance $TTY with exec /sbin/getty -8 38300 $TTY', () => {
  const h = new Harness();
  job(h, 'tty', 'instance $TTY\nexec /sbin/getty -8 38300 $TTY\n');
  void h.engine.start('tty', ['TTY=tty1'], false);
  h.settle();
  const s = h.spawnsOf('tty')[0]!;
  assert.equal(s.req.instance, 'tty1');
  assert.deepEqual(s.req.argv, ['/bin/sh', '-e', '-c', 'exec /sbin/getty -8 38300 $TTY']);
  assert.ok(s.req.env.includes('TTY=tty1') && s.req.env.includes('UPSTART_INSTANCE=tty1'));
});
