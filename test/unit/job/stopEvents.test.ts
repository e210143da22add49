// What stopping, stopped and post-stop carry for each way a job stops (DESIGN §3.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, jobClass, type ClassOpts } from './harness.ts';

interface Case {
  name: string;
  opts: ClassOpts;
  /** Drives the job from start/running (or wherever start leaves it) to stop/waiting. */
  drive: (h: Harness) => void;
  stopping: string;
  stopped: string;
}

const cases: Case[] = [
  {
    name: 'service stopped by request while main runs',
    opts: { exec: '/s', postStop: '/ps' },
    drive: (h) => { void h.engine.stop('j', [], false); h.settle(); h.signal(h.pid('j'), 'TERM'); h.exit(h.pid('j', 'post-stop')); },
    stopping: 'RESULT=ok PROCESS=main',
    stopped: 'RESULT=ok PROCESS=main EXIT_SIGNAL=TERM',
  },
  {
    name: 'service that exits on its own terms when sent TERM',
    opts: { exec: '/s' },
    drive: (h) => { void h.engine.stop('j', [], false); h.settle(); h.exit(h.pid('j'), 0); },
    stopping: 'RESULT=ok PROCESS=main',
    stopped: 'RESULT=ok PROCESS=main EXIT_STATUS=0',
  },
  {
    name: 'restart of a running service (stopping only: it comes back)',
    opts: { exec: '/s' },
    drive: (h) => { void h.engine.restart('j', [], false); h.settle(); h.signal(h.pid('j'), 'TERM'); void h.engine.stop('j', [], false); h.settle(); h.signal(h.pid('j'), 'TERM'); },
    stopping: 'RESULT=ok PROCESS=main',
    stopped: 'RESULT=ok PROCESS=main EXIT_SIGNAL=TERM',
  },
  {
    name: 'service stopped by request after pre-stop ran',
    opts: { exec: '/s', preStop: '/pre-stop' },
    drive: (h) => { void h.engine.stop('j', [], false); h.settle(); h.exit(h.pid('j', 'pre-stop')); h.signal(h.pid('j'), 'TERM'); },
    stopping: 'RESULT=ok PROCESS=main',
    stopped: 'RESULT=ok PROCESS=main EXIT_SIGNAL=TERM',
  },
  {
    name: 'service whose main died',
    opts: { exec: '/s' },
    drive: (h) => h.exit(h.pid('j'), 2),
    stopping: 'RESULT=failed PROCESS=main EXIT_STATUS=2',
    stopped: 'RESULT=failed PROCESS=main EXIT_STATUS=2',
  },
  {
    name: 'job without a main process stopped by request',
    opts: { pre: '/setup', postStop: '/teardown' },
    drive: (h) => { void h.engine.stop('j', [], false); h.settle(); h.exit(h.pid('j', 'post-stop')); },
    stopping: 'RESULT=ok',
    stopped: 'RESULT=ok',
  },
  {
    name: 'post-stop failing after a clean stop',
    opts: { exec: '/s', postStop: '/ps' },
    drive: (h) => { void h.engine.stop('j', [], false); h.settle(); h.signal(h.pid('j'), 'TERM'); h.exit(h.pid('j', 'post-stop'), 4); },
    stopping: 'RESULT=ok PROCESS=main',
    stopped: 'RESULT=failed PROCESS=post-stop EXIT_STATUS=4',
  },
];

test('stopping and stopped carry RESULT, PROCESS and EXIT_* for each way of stopping', () => {
  for (const c of cases) {
    const h = new Harness().add(jobClass('j', c.opts));
    void h.engine.start('j', [], false);
    h.settle();
    if (c.opts.pre !== undefined) h.exit(h.pid('j', 'pre-start'));
    assert.equal(h.state('j'), 'start/running', c.name);
    c.drive(h);
    assert.equal(h.state('j'), 'stop/waiting', c.name);
    const ev = h.jobEvents('j');
    assert.equal(ev.find((l) => l.startsWith('stopping')), `stopping ${c.stopping}`, c.name);
    assert.equal(ev.at(-1), `stopped ${c.stopped}`, c.name);
  }
});

test('post-stop of a service stopped by request sees how main ended', () => {
  const h = new Harness().add(jobClass('j', { exec: '/s', postStop: '/ps' }));
  void h.engine.start('j', [], false);
  h.settle();
  void h.engine.stop('j', [], false);
  h.settle();
  h.signal(h.pid('j'), 'KILL');
  const env = h.spawnsOf('j', 'post-stop')[0]!.req.env;
  for (const e of ['RESULT=ok', 'PROCESS=main', 'EXIT_SIGNAL=KILL']) assert.ok(env.includes(e), e);
});
