// The Chromium OS boot chain from the shared corpus, parsed by the real parser, driven to its final state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parseJob } from '../../../src/config/parser.ts';
import type { JobClassSpec } from '../../../src/model/jobClass.ts';
import { Harness } from './harness.ts';

const CORPUS = new URL('../../../../shared/corpus/', import.meta.url);
const have = existsSync(CORPUS);
const skip = have ? false : 'shared corpus not found beside the repository (../shared/corpus)';

function parse(text: string, name: string, file: string): JobClassSpec {
  const r = parseJob(text, { file, name });
  if (!r.spec) throw new Error(`${file}: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.spec;
}

function corpus(file: string, name: string): JobClassSpec {
  return parse(readFileSync(new URL(file, CORPUS), 'utf8'), name, file);
}

/** Jobs that `start on starting|started system-services` (or started failsafe), by their origin name. */
function dependents(): JobClassSpec[] {
  const out: JobClassSpec[] = [];
  for (const f of readdirSync(CORPUS).sort()) {
    if (!f.endsWith('.conf') || f.startsWith('minios__') || f.startsWith('flexor__')) continue;
    const text = readFileSync(new URL(f, CORPUS), 'utf8');
    if (!/^start on (starting|started) (system-services|failsafe)\s*$/m.test(text)) continue;
    out.push(parse(text, f.replace(/\.conf$/, '').split('__').at(-1)!, f));
  }
  return out;
}

// Chain members the corpus lacks, written from platform2's descriptions.
const SYSTEM_SERVICES = 'start on started boot-complete and started boot-services\nstop on stopping boot-services\n';
const BOOT_COMPLETE = 'start on login-prompt-visible\n';
const FAILSAFE_DELAY = 'start on started boot-services\nexec sleep 30\n';

function boot(): { h: Harness; deps: JobClassSpec[] } {
  const h = new Harness();
  const deps = dependents();
  h.add(
    corpus('minios__ramfs__etc__init__pre-startup.conf', 'pre-startup'),
    corpus('init__upstart__startup.conf', 'startup'),
    corpus('init__upstart__embedded-init__boot-services.conf', 'boot-services'),
    corpus('init__upstart__failsafe.conf', 'failsafe'),
    corpus('init__upstart__report-boot-complete.conf', 'report-boot-complete'),
    parse(SYSTEM_SERVICES, 'system-services', 'system-services.conf'),
    parse(BOOT_COMPLETE, 'boot-complete', 'boot-complete.conf'),
    parse(FAILSAFE_DELAY, 'failsafe-delay', 'failsafe-delay.conf'),
    ...deps,
  );
  return { h, deps };
}

/** Plays the processes: tasks and step processes finish, expect jobs get ready, chromeos_startup ends. */
function play(h: Harness): void {
  for (let round = 0; round < 100; round++) {
    let moved = false;
    for (const s of h.port.spawns) {
      if (!s.alive) continue;
      const spec = h.engine.getClass(s.req.job);
      const st = h.engine.status(s.req.job).find((x) => x.instance === s.req.instance);
      if (s.req.process === 'main' && spec?.expect.kind !== 'none' && st?.state === 'spawned') {
        h.port.events!.ready(s.pid, s.pid);
        h.settle();
        moved = true;
      } else if (s.req.process !== 'main' || spec?.task || s.req.job === 'startup') {
        h.exit(s.pid, 0);
        moved = true;
      }
    }
    if (!moved) return;
  }
  throw new Error('boot never settled');
}

function startedOrder(h: Harness): string[] {
  return h.eventLog((n) => n === 'started').map((l) => l.split(' ')[1]!.slice(4));
}

test('startup → boot-services → system-services, with failsafe and its dependents, in order', { skip }, () => {
  const { h, deps } = boot();
  void h.engine.startupEvent();
  h.settle();
  play(h);
  assert.equal(h.state('boot-services'), 'start/running');
  assert.equal(h.state('failsafe-delay'), 'start/running');
  assert.equal(h.state('system-services'), 'stop/waiting', 'waits for boot-complete');
  h.emit('login-prompt-visible');
  play(h);
  assert.equal(h.state('system-services'), 'start/running');
  assert.equal(h.state('failsafe'), 'start/running');
  const order = startedOrder(h);
  const at = (j: string): number => order.indexOf(j);
  const pairs: Array<[string, string]> = [['pre-startup', 'startup'], ['startup', 'boot-services'], ['boot-services', 'failsafe-delay'], ['boot-services', 'boot-complete'], ['boot-complete', 'system-services'], ['failsafe', 'system-services']];
  for (const [a, b] of pairs) {
    assert.ok(at(a) >= 0 && at(a) < at(b), `${a} started before ${b}: ${order.join(' ')}`);
  }
  const onStarting = deps.filter((d) => /starting system-services/.test(JSON.stringify(d.start)) || d.start?.kind === 'event' && d.start.name === 'starting');
  assert.ok(onStarting.length >= 5);
  for (const d of deps) {
    const s = d.start!;
    if (s.kind !== 'event' || s.args[0]?.value !== 'system-services') continue;
    if (s.name === 'starting') assert.ok(at(d.name) < at('system-services'), `${d.name} (start on starting system-services) before system-services`);
    if (s.name === 'started' && !d.task) assert.ok(at(d.name) > at('system-services'), `${d.name} after system-services`);
    if (!d.task) assert.equal(h.state(d.name), 'start/running', d.name);
  }
  // chromeos_startup ended normally; startup is stopped, boot-services stays.
  assert.equal(h.jobEvents('startup').at(-1), 'stopped RESULT=ok PROCESS=main EXIT_STATUS=0');
  // The failsafe timer expiring later starts nothing new: failsafe is already running.
  h.exit(h.pid('failsafe-delay'), 0);
  assert.equal(h.startedCount('failsafe'), 1);
});

test('without a login prompt, failsafe starts when failsafe-delay ends', { skip }, () => {
  const { h } = boot();
  void h.engine.startupEvent();
  h.settle();
  play(h);
  assert.equal(h.state('failsafe'), 'stop/waiting');
  h.clock.advance(30_000);
  h.exit(h.pid('failsafe-delay'), 0);
  play(h);
  assert.equal(h.state('failsafe'), 'start/running');
  assert.equal(h.state('system-services'), 'stop/waiting');
  assert.ok(h.startedCount('cpufreq') === 1 || h.engine.getClass('cpufreq') === undefined);
});
