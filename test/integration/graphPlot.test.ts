// initctl graph and initctl plot against the real daemon: the chain the job files make, and the timeline its journal records.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, waitForStatus, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({
    first: 'start on startup\nexec sleep 7101\n',
    second: 'start on started first\nemits second-up\nexec sleep 7102\n',
  });
  await waitForStatus(d, 'second', 'start/running');
});
after(async () => {
  await d?.stop();
});

test('graph: startup starts first, first starts second, second emits second-up', async () => {
  const r = await d.initctl(['graph']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"event:startup" -> "job:first" \[color="#2e7d32"\];/);
  assert.match(r.stdout, /"job:first" -> "job:second" \[color="#2e7d32", label="started"\];/);
  assert.match(r.stdout, /"job:second" -> "event:second-up" \[color="#1565c0", style=dotted\];/);
});

test('plot: an SVG with a row for each job; --json has their starting and running spans, in order', async () => {
  const svg = await d.initctl(['plot']);
  assert.match(svg.stdout, /^<svg [^>]*>\n[\s\S]*<\/svg>\n$/);
  assert.ok(svg.stdout.includes('>first</text>') && svg.stdout.includes('>second</text>'));
  const tl = JSON.parse((await d.initctl(['plot', '--json'])).stdout) as { rows: Array<{ job: string; spans: Array<{ phase: string; from: number; to?: number }> }> };
  const first = tl.rows.find((r) => r.job === 'first')!;
  const second = tl.rows.find((r) => r.job === 'second')!;
  assert.deepEqual(first.spans.map((s) => s.phase), ['starting', 'running']);
  assert.deepEqual(second.spans.map((s) => s.phase), ['starting', 'running']);
  assert.ok(second.spans[0]!.from >= first.spans[1]!.from, 'second starts once first is running');
});
