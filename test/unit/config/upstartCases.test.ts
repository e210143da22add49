// Upstart 1.13's own parser cases (inputs and outcomes of init/tests/test_parse_job.c, as data): valid or not, the error line, the facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseJob } from '../../../src/config/parser.ts';
import type { JobClassSpec } from '../../../src/model/jobClass.ts';

/** What Upstart's test asserts about a valid case, in Upstart's terms (see the fixture). */
interface Facts {
  process?: Record<string, { kind?: 'exec' | 'script'; command?: string }>;
  expect?: string;
  oomScore?: number;
  normalExit?: (number | string)[];
  respawn_limit?: number;
  respawn_interval?: number;
  kill_signal?: string;
  reload_signal?: string;
  kill_timeout?: number;
  console?: string;
  umask?: number;
  nice?: number;
  env?: string[];
  export?: string[];
  emits?: string[];
  [doc: string]: unknown;
}

interface Case {
  test: string;
  text: string;
  valid: boolean;
  line?: number;
  upstartError?: string;
  facts?: Facts;
}

const cases = JSON.parse(readFileSync(new URL('./fixtures/upstart-parse-job-cases.json', import.meta.url), 'utf8')) as Case[];

/** Our spec in Upstart's terms, for the fields a case asserts. */
function factsOf(spec: JobClassSpec, want: Facts): Facts {
  const got: Facts = {};
  for (const k of Object.keys(want)) {
    switch (k) {
      case 'process': {
        const p: NonNullable<Facts['process']> = {};
        for (const name of Object.keys(want.process ?? {})) {
          const ours = spec.process[name as keyof JobClassSpec['process']];
          const w = want.process?.[name] ?? {};
          p[name] = {};
          if (w.kind !== undefined) p[name].kind = ours?.kind;
          if (w.command !== undefined) p[name].command = ours?.command;
        }
        got.process = p;
        break;
      }
      case 'expect':
        got.expect = spec.expect.kind;
        break;
      case 'oomScore':
        got.oomScore = spec.oomScore === 'never' ? -1000 : spec.oomScore;
        break;
      case 'normalExit':
        got.normalExit = [...spec.normalExit.statuses, ...spec.normalExit.signals.map((s) => `SIG${s}`)];
        break;
      case 'respawn_limit':
        got.respawn_limit = spec.respawnLimit === 'unlimited' ? 0 : spec.respawnLimit?.count;
        break;
      case 'respawn_interval':
        got.respawn_interval = spec.respawnLimit === 'unlimited' ? 0 : spec.respawnLimit?.interval;
        break;
      case 'kill_signal':
        got.kill_signal = `SIG${spec.killSignal}`;
        break;
      case 'reload_signal':
        got.reload_signal = `SIG${spec.reloadSignal}`;
        break;
      case 'kill_timeout':
        got.kill_timeout = spec.killTimeout;
        break;
      case 'env':
        got.env = spec.env.map((e) => (e.value === undefined ? e.key : `${e.key}=${e.value}`));
        break;
      case 'export':
      case 'emits':
        got[k] = spec[k];
        break;
      default:
        got[k] = spec[k as keyof JobClassSpec];
    }
  }
  return got;
}

/** Normal exits are a set in both: compare sorted. */
function normalise(f: Facts): Facts {
  return f.normalExit === undefined ? f : { ...f, normalExit: [...f.normalExit].map(String).sort() };
}

test('Upstart parser cases: the fixture holds all of them', () => {
  assert.ok(cases.length >= 300, `found ${cases.length}`);
  assert.ok(cases.filter((c) => c.facts !== undefined).length >= 90);
});

for (const c of cases) {
  test(`upstart case ${c.test}`, () => {
    const r = parseJob(c.text, { file: 'test', name: 'test' });
    const errs = r.errors.map((e) => e.format()).join('\n');
    if (!c.valid) {
      assert.equal(r.spec, undefined, `Upstart refuses this (${c.upstartError})`);
      assert.equal(r.errors[0]?.line, c.line, `the error line: ${errs}`);
      return;
    }
    assert.ok(r.spec, `Upstart accepts this: ${errs}`);
    if (c.facts !== undefined) assert.deepEqual(normalise(factsOf(r.spec, c.facts)), normalise(c.facts));
  });
}
