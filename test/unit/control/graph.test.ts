// initctl graph: jobs, events and the edges of start on / stop on / emits, as DOT and JSON; --restrict-to-jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import { jobGraph, toDot } from '../../../src/control/commands/graph.ts';
import { runCommand } from '../../../src/control/commands/index.ts';
import { FakeEngine, FakeHooks } from './fakeEngine.ts';

const job = (name: string, text: string) => parseJob(text, { file: `${name}.conf`, name }).spec!;
const specs = [
  job('ui', 'start on started boot-services and login-prompt-visible\nstop on stopping boot-services\nemits ui-ready\n'),
  job('boot-services', 'start on startup\nemits boot-services-up\n'),
  job('any', 'start on started $X or stopped net*\n'),
  job('manual', 'start on startup\nmanual\n'),
];

test('nodes for jobs and plain events; a job lifecycle leaf is an edge from that job, labelled', () => {
  const g = jobGraph(specs);
  assert.deepEqual(g.nodes.map((n) => `${n.kind} ${n.label}`), [
    'job any', 'event started', 'event stopped', 'job boot-services', 'event startup', 'event boot-services-up',
    'job manual', 'job ui', 'event login-prompt-visible', 'event ui-ready',
  ]);
  assert.deepEqual(g.edges.map((e) => `${e.from} -${e.kind}${e.label ? `(${e.label})` : ''}-> ${e.to}`), [
    'event:started -start-> job:any',
    'event:stopped -start-> job:any',
    'event:startup -start-> job:boot-services',
    'job:boot-services -emits-> event:boot-services-up',
    'job:boot-services -start(started)-> job:ui',
    'event:login-prompt-visible -start-> job:ui',
    'job:boot-services -stop(stopping)-> job:ui',
    'job:ui -emits-> event:ui-ready',
  ]);
});

test('--restrict-to-jobs draws only those jobs\' conditions and emits', () => {
  const g = jobGraph(specs, new Set(['boot-services']));
  assert.deepEqual(g.edges.map((e) => `${e.from} ${e.to}`), ['event:startup job:boot-services', 'job:boot-services event:boot-services-up']);
});

test('DOT: boxes and diamonds, styled edges, quotes escaped; through initctl graph', async () => {
  const dot = toDot(jobGraph([job('a"b', 'start on x\n')]));
  assert.match(dot, /^digraph upstart \{\n/);
  assert.match(dot, /"job:a\\"b" \[label="a\\"b", shape=box\];/);
  assert.match(dot, /"event:x" -> "job:a\\"b" \[color="#2e7d32"\];/);
  const e = new FakeEngine();
  for (const s of specs) e.addOrReplaceClass(s);
  let stdout = '';
  const status = await runCommand(['initctl', 'graph', '--restrict-to-jobs=ui'], {
    engine: e, hooks: new FakeHooks(), env: {}, denial: 'read-only peer', signal: new AbortController().signal,
    write: (s, d) => { if (s === 'stdout') stdout += d; },
  });
  assert.equal(status, 0);
  assert.match(stdout, /"job:boot-services" -> "job:ui" \[color="#2e7d32", label="started"\];/);
  assert.ok(!stdout.includes('event:startup'), stdout);
});
