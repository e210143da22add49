// Exit reports: after the process's output, or at the flush deadline; held until the engine registers; carried by a re-exec while waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitReports } from '../../../src/process/exitReports.ts';
import type { ExitInfo, ProcessEvents } from '../../../src/process/port.ts';

function events(into: ExitInfo[]): ProcessEvents {
  return { exited: (info: ExitInfo) => { into.push(info); } } as unknown as ProcessEvents;
}

const exit = (pid: number): ExitInfo => ({ pid, kind: 'exited', status: 0 });

test('an exit with output is reported once the output is in, not before; the wire carries it meanwhile', async () => {
  const got: ExitInfo[] = [];
  let settled = 0;
  const r = new ExitReports(10_000, () => undefined, () => { settled++; });
  r.setEvents(events(got));
  let flush!: () => void;
  const output = new Promise<void>((resolve) => { flush = resolve; });
  r.report(exit(7), output);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(got, []);
  assert.equal(r.outstanding, 1);
  assert.deepEqual(r.wire(), [exit(7)]);
  flush();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(got, [exit(7)]);
  assert.equal(r.outstanding, 0);
  assert.equal(settled, 1);
  assert.deepEqual(r.wire(), []);
});

test('output still open at the deadline: the exit is reported anyway, and said at debug', async () => {
  const got: ExitInfo[] = [];
  const logs: string[] = [];
  const r = new ExitReports(20, (level, msg) => { logs.push(`${level}: ${msg}`); }, () => undefined);
  r.setEvents(events(got));
  r.report(exit(8), new Promise<void>(() => undefined));
  const deadline = Date.now() + 10_000;
  while (got.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(got, [exit(8)]);
  assert.deepEqual(logs, ['debug: process 8: output still open 20 ms after exit; reporting the exit anyway']);
});

test('exits before the engine registers, and those a re-exec brought, are delivered by setEvents in order', async () => {
  const got: ExitInfo[] = [];
  const r = new ExitReports(10_000, () => undefined, () => undefined);
  r.restore([exit(1), exit(2)]);
  r.report(exit(3), undefined);
  r.setEvents(events(got));
  assert.deepEqual(got, [], 'delivered in a microtask, not inside setEvents');
  await Promise.resolve();
  assert.deepEqual(got, [exit(1), exit(2), exit(3)]);
  r.report(exit(4), undefined);
  assert.deepEqual(got.at(-1), exit(4), 'once registered, an exit without output is reported at once');
});
