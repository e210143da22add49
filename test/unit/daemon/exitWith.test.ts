// Tests for --exit-with: the job list (flags over UPSTART_EXIT_WITH), and the status from the journal of a watched job's stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitWithWatch, exitWithJobs, signalStatus, unknownExitWith } from '../../../src/daemon/exitWith.ts';
import type { JournalEntry } from '../../../src/model/engineApi.ts';

const at = { t: 0, wall: 0 };
const exit = (job: string, extra: { status?: number; signal?: string }, process: 'main' | 'post-stop' = 'main', instance = ''): JournalEntry =>
  ({ ...at, kind: 'exit', job, instance, process, pid: 9, ...extra });
const stopped = (job: string, env: string[], instance = ''): JournalEntry => ({ ...at, kind: 'event', name: 'stopped', env: [`JOB=${job}`, `INSTANCE=${instance}`, ...env] });

test('the jobs: the command line wins over UPSTART_EXIT_WITH; commas or blanks; no repeats', () => {
  assert.deepEqual(exitWithJobs(['a', 'b', 'a'], { UPSTART_EXIT_WITH: 'c' }), ['a', 'b']);
  assert.deepEqual(exitWithJobs([], { UPSTART_EXIT_WITH: 'c, d e,,' }), ['c', 'd', 'e']);
  assert.deepEqual(exitWithJobs([], {}), []);
  assert.deepEqual(unknownExitWith(['web', 'nosuchjob'], (n) => n === 'web'), ['nosuchjob']);
});

test('signals are 128+N', () => {
  assert.equal(signalStatus('TERM'), 143);
  assert.equal(signalStatus('SIGKILL'), 137);
  assert.equal(signalStatus('INT'), 130);
});

test('the main exit code or 128+signal of the watched job, once it is stopped', () => {
  const w = new ExitWithWatch(['main']);
  assert.equal(w.see(exit('main', { status: 7 })), undefined, 'an exit alone is not the end (respawn)');
  assert.equal(w.see(exit('other', { status: 3 })), undefined);
  assert.equal(w.see(stopped('other', ['RESULT=failed', 'PROCESS=main', 'EXIT_STATUS=3'])), undefined);
  assert.deepEqual(w.see(stopped('main', ['RESULT=failed', 'PROCESS=main', 'EXIT_STATUS=7'])), { job: 'main', instance: '', status: 7, how: 'main process exited 7' });
  w.see(exit('main', { signal: 'KILL' }));
  assert.deepEqual(w.see(stopped('main', ['RESULT=ok', 'PROCESS=main', 'EXIT_SIGNAL=KILL']))?.status, 137);
});

test('the main exit wins over a failing post-stop; without any main exit the stopped event says', () => {
  const w = new ExitWithWatch(['main']);
  w.see(exit('main', { status: 0 }));
  w.see(exit('main', { status: 4 }, 'post-stop'));
  assert.equal(w.see(stopped('main', ['RESULT=failed', 'PROCESS=post-stop', 'EXIT_STATUS=4']))?.status, 0);
  assert.deepEqual(w.see(stopped('main', ['RESULT=failed', 'PROCESS=pre-start', 'EXIT_STATUS=5'])), { job: 'main', instance: '', status: 5, how: 'pre-start process exited 5' });
  assert.equal(w.see(stopped('main', ['RESULT=failed', 'PROCESS=main']))?.status, 1, 'main could not be spawned');
  assert.equal(w.see(stopped('main', ['RESULT=ok']))?.status, 0);
});

test('instances are told apart; the respawn limit ends with the last exit', () => {
  const w = new ExitWithWatch(['svc']);
  w.see(exit('svc', { status: 2 }, 'main', 'a'));
  w.see(exit('svc', { signal: 'SEGV' }, 'main', 'b'));
  assert.equal(w.see(stopped('svc', ['RESULT=failed', 'PROCESS=respawn'], 'b'))?.status, 139);
  assert.deepEqual(w.see(stopped('svc', ['RESULT=failed', 'PROCESS=respawn', 'EXIT_STATUS=2'], 'a')), { job: 'svc', instance: 'a', status: 2, how: 'main process exited 2' });
  assert.equal(new ExitWithWatch([]).active, false);
});
