// The daemon's own log: priority filter, the rate limit with its "suppressed N messages" line, long messages cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonLog, MAX_LOG_MESSAGE } from '../../../src/log/daemonLog.ts';

function logWith(o: { burst: number; intervalMs: number }): { log: DaemonLog; lines: string[]; clock: { t: number } } {
  const lines: string[] = [];
  const clock = { t: 1000 };
  const log = new DaemonLog({ priority: 'info', rateLimit: o, sink: (l) => lines.push(l), now: () => clock.t });
  return { log, lines, clock };
}

test('below the priority nothing is written or counted', () => {
  const { log, lines } = logWith({ burst: 1, intervalMs: 1000 });
  log.debug('hidden');
  log.info('shown');
  assert.deepEqual(lines, ['upstart: shown\n']);
});

test('past the burst, messages are counted and reported once when the next window opens', () => {
  const { log, lines, clock } = logWith({ burst: 3, intervalMs: 1000 });
  for (let i = 0; i < 10_000; i++) log.warn(`flood ${i}`);
  assert.deepEqual(lines, ['upstart: flood 0\n', 'upstart: flood 1\n', 'upstart: flood 2\n']);
  clock.t += 1000;
  log.error('after');
  assert.deepEqual(lines.slice(3), ['upstart: suppressed 9997 messages (more than 3 in 1000 ms)\n', 'upstart: after\n']);
});

test('the count is written at the end of the window even when nothing follows', async () => {
  const lines: string[] = [];
  const log = new DaemonLog({ priority: 'info', rateLimit: { burst: 1, intervalMs: 50 }, sink: (l) => lines.push(l) });
  log.warn('a');
  log.warn('b');
  log.warn('c');
  const deadline = Date.now() + 5000;
  while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(lines, ['upstart: a\n', 'upstart: suppressed 2 messages (more than 1 in 50 ms)\n']);
});

test('a message longer than the cap is cut and says how long it was', () => {
  const { log, lines } = logWith({ burst: 10, intervalMs: 1000 });
  log.error('w'.repeat(1024 * 1024));
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.length < MAX_LOG_MESSAGE + 100);
  assert.match(lines[0]!, /… \[1048576 characters, cut\]\n$/);
});

test('rateLimit null: no limit', () => {
  const lines: string[] = [];
  const log = new DaemonLog({ priority: 'info', rateLimit: null, sink: (l) => lines.push(l) });
  for (let i = 0; i < 5000; i++) log.info('x');
  assert.equal(lines.length, 5000);
});
