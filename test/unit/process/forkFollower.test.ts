// ForkFollower over a fake ptrace: expect fork and expect daemon followed status by status, without root or real processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForkFollower } from '../../../src/process/forkFollower.ts';
import type { ChildStatus } from '../../../src/sys/reaper.ts';
import type { Ptrace } from '../../../src/sys/ports.ts';

const SIGTRAP = 5;
const SIGSTOP = 19;
const SIGUSR1 = 10;
const FORK = 1;

/** Records every ptrace call; getEventMsg answers from `forks` (parent → new child). */
class FakePtrace implements Ptrace {
  readonly calls: string[] = [];
  readonly forks = new Map<number, number>();
  readonly PTRACE_O = { TRACEFORK: 2, TRACEEXEC: 16 };
  readonly PTRACE_EVENT = { FORK };
  ptraceSetOptions(pid: number, options: number): void {
    this.calls.push(`options ${pid} ${options}`);
  }
  ptraceCont(pid: number, signal = 0): void {
    this.calls.push(`cont ${pid} ${signal}`);
  }
  ptraceDetach(pid: number, signal = 0): void {
    this.calls.push(`detach ${pid} ${signal}`);
  }
  ptraceGetEventMsg(pid: number): number {
    const child = this.forks.get(pid);
    if (child === undefined) throw new Error(`ESRCH ${pid}`);
    return child;
  }
}

const st = (pid: number, kind: ChildStatus['kind'], o: Partial<ChildStatus> = {}): ChildStatus => ({ pid, kind, status: 0, signal: 0, event: 0, ...o });
const trapped = (pid: number): ChildStatus => st(pid, 'trapped', { signal: SIGTRAP });
const forkEvent = (pid: number): ChildStatus => st(pid, 'event', { signal: SIGTRAP, event: FORK });
const firstStop = (pid: number): ChildStatus => st(pid, 'stopped', { signal: SIGSTOP });
const exited = (pid: number, status = 0): ChildStatus => st(pid, 'exited', { status });

function follower(): { f: ForkFollower; p: FakePtrace; logs: string[] } {
  const p = new FakePtrace();
  const logs: string[] = [];
  return { f: new ForkFollower((level, msg) => logs.push(`${level}: ${msg}`), p), p, logs };
}

test('expect fork: options at the exec trap, the fork makes the child final, its first stop detaches it', () => {
  const { f, p } = follower();
  f.follow(100, 1);
  assert.deepEqual(f.onStatus(trapped(100)), { kind: 'consumed' });
  assert.deepEqual(p.calls, ['options 100 18', 'cont 100 0']);
  assert.equal(f.standIn(100), 100);
  p.forks.set(100, 101);
  assert.deepEqual(f.onStatus(forkEvent(100)), { kind: 'ready', spawned: 100, final: 101 });
  assert.equal(f.standIn(100), undefined);
  assert.deepEqual(f.onStatus(firstStop(101)), { kind: 'consumed' });
  assert.deepEqual(p.calls.slice(2), ['detach 100 0', 'detach 101 0']);
  assert.deepEqual(f.onStatus(exited(100)), { kind: 'swallow' }, 'the parent that forked is not the job');
  assert.deepEqual(f.onStatus(exited(101, 3)), { kind: 'report', pid: 101 });
  assert.equal(f.has(100) || f.has(101), false);
});

test('the new child\'s first stop may come before its parent\'s fork event', () => {
  const { f, p } = follower();
  f.follow(200, 1);
  f.onStatus(trapped(200));
  assert.deepEqual(f.onStatus(firstStop(201)), { kind: 'consumed' }, 'an unknown SIGSTOP is kept for later');
  p.forks.set(200, 201);
  assert.deepEqual(f.onStatus(forkEvent(200)), { kind: 'ready', spawned: 200, final: 201 });
  assert.deepEqual(p.calls.slice(2), ['detach 200 0', 'detach 201 0']);
});

test('expect daemon: two forks; the middle process is resumed and followed, the second child is final', () => {
  const { f, p } = follower();
  f.follow(300, 2);
  f.onStatus(trapped(300));
  p.forks.set(300, 301);
  assert.deepEqual(f.onStatus(forkEvent(300)), { kind: 'consumed' });
  assert.equal(f.standIn(300), 301);
  assert.deepEqual(f.onStatus(firstStop(301)), { kind: 'consumed' });
  p.forks.set(301, 302);
  assert.deepEqual(f.onStatus(forkEvent(301)), { kind: 'ready', spawned: 300, final: 302 });
  f.onStatus(firstStop(302));
  assert.deepEqual(p.calls.slice(2), ['detach 300 0', 'cont 301 0', 'detach 301 0', 'detach 302 0']);
  assert.deepEqual(f.onStatus(exited(300)), { kind: 'swallow' });
  assert.deepEqual(f.onStatus(exited(301)), { kind: 'swallow' });
});

test('a signal for a tracee is delivered; a followed process that dies before forking is the job\'s main failing', () => {
  const { f, p } = follower();
  f.follow(400, 1);
  f.onStatus(trapped(400));
  assert.deepEqual(f.onStatus(st(400, 'stopped', { signal: SIGUSR1 })), { kind: 'consumed' });
  assert.deepEqual(p.calls.at(-1), `cont 400 ${SIGUSR1}`);
  assert.deepEqual(f.onStatus(exited(400, 1)), { kind: 'report', pid: 400 });
  assert.deepEqual(f.onStatus(exited(999)), { kind: 'unknown' });
});

test('a fork whose new pid cannot be read is logged, not fatal', () => {
  const { f, logs } = follower();
  f.follow(500, 1);
  f.onStatus(trapped(500));
  assert.deepEqual(f.onStatus(forkEvent(500)), { kind: 'consumed' });
  assert.match(logs.join('\n'), /warn: expect fork: cannot read the new pid of 500/);
});
