// The probe's mutated-corpus load: broken copies of real job files dropped into a live daemon's confdir, in batches.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, jobStatus, run, startDaemon, waitForStatus, waitUntil, type DaemonHandle } from './harness.ts';

const corpus = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const present = existsSync(corpus);
const skip = present ? false : `corpus not found at ${corpus} (../shared is absent)`;
const SEED = Number(process.env.MUTATION_SEED ?? 16);
const BATCHES = 3;
const PER_BATCH = 44;

/** mulberry32: a small seeded PRNG, so a failing run can be repeated with MUTATION_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIB = 1024 * 1024;
type Mutation = (text: Buffer, r: () => number) => Buffer;
const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const lines = (b: Buffer): string[] => b.toString('latin1').split('\n');
const join1 = (ls: string[]): Buffer => Buffer.from(ls.join('\n'), 'latin1');
const at = (n: number, r: () => number): number => Math.floor(r() * Math.max(1, n));

/** The probe's kinds of damage. */
const MUTATIONS: Record<string, Mutation> = {
  flip: (b, r) => {
    const c = Buffer.from(b);
    for (let i = 0; i < 1 + at(8, r); i++) {
      const j = at(c.length, r);
      c[j] = (c[j] ?? 0) ^ (1 << at(8, r));
    }
    return c;
  },
  cut: (b, r) => {
    const ls = lines(b);
    ls.splice(at(ls.length, r), 1 + at(3, r));
    return join1(ls);
  },
  truncate: (b, r) => b.subarray(0, at(b.length, r)),
  huge: (b, r) => {
    const big = 'e'.repeat(MIB);
    const where = pick([`# ${big}`, `description "${big}"`, `exec /bin/true ${big}`, `env BIG=${big}`, `start on ${'(e'.repeat(MIB / 2)}`, big], r);
    const ls = lines(b);
    ls.splice(at(ls.length, r), 0, where);
    return join1(ls);
  },
  nul: (b, r) => {
    const c = Buffer.from(b);
    c[at(c.length, r)] = 0;
    return c;
  },
  utf8: (b, r) => {
    const i = at(b.length, r);
    return Buffer.concat([b.subarray(0, i), Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82]), b.subarray(i)]);
  },
  stanzas: (b, r) => {
    const extra = Array.from({ length: 10_000 }, (_, i) => pick([`frob${i} x`, `nice ${i}`, `env V${i}=${i}`, `umask 9${i}`], r));
    return Buffer.concat([b, Buffer.from(`\n${extra.join('\n')}\n`)]);
  },
  dupline: (b, r) => {
    const ls = lines(b);
    const i = at(ls.length, r);
    ls.splice(i, 0, ...Array.from({ length: 2 + at(5000, r) }, () => ls[i] ?? 'exec true'));
    return join1(ls);
  },
  endScript: (b) => join1(lines(b).filter((l) => !/^\s*end\s+script/.test(l))),
  paren: (b, r) => join1(lines(b).map((l) => (/^\s*(start|stop) on/.test(l) ? `${l}${pick([' (', ' )', ' and (x or', ')))'], r)}` : l))),
  quote: (b, r) => {
    const ls = lines(b);
    const i = at(ls.length, r);
    ls[i] = `${ls[i] ?? ''} ${pick(['"', "'", '"unterminated', "'a'b'"], r)}`;
    return join1(ls);
  },
};

const sources = present ? readdirSync(corpus).filter((f) => f.endsWith('.conf')).sort() : [];
const SLEEPERS = ['s1', 's2', 's3'];
let d: DaemonHandle;
const pids = new Map<string, number>();

before(async () => {
  if (!present) return;
  const jobs: Record<string, string> = {};
  for (const s of SLEEPERS) jobs[s] = `start on startup\nexec sleep ${4000 + SLEEPERS.indexOf(s)}\n`;
  d = await startDaemon(jobs);
  for (const s of SLEEPERS) pids.set(s, (await waitForStatus(d, s, 'start/running')).pid!);
});
after(async () => {
  await d?.stop();
});

test(`${BATCHES} batches of ${PER_BATCH} mutated corpus files: the daemon stays up and serving, every error names FILE:LINE:COL, nothing floods`, { skip, timeout: 600_000 }, async () => {
  const r = prng(SEED);
  const kinds = Object.keys(MUTATIONS);
  const all: string[] = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const names: string[] = [];
    for (let i = 0; i < PER_BATCH; i++) {
      const kind = kinds[(batch * PER_BATCH + i) % kinds.length]!;
      const name = `mut-${String(batch * PER_BATCH + i).padStart(3, '0')}-${kind}`;
      const src = readFileSync(join(corpus, pick(sources, r)));
      writeFileSync(join(d.confdir, `${name}.conf`), MUTATIONS[kind]!(src, r));
      names.push(name);
    }
    all.push(...names);
    // The offline checker's verdict per file is what the daemon must do with it: loaded, or reported.
    const check = await run(join(ROOT, 'bin/init-checkconf'), ['--json', ...names.map((n) => join(d.confdir, `${n}.conf`))], {}, 120_000);
    const verdict = new Map((JSON.parse(check.stdout) as Array<{ file: string; ok: boolean }>).map((v) => [v.file, v.ok]));
    await waitUntil(`batch ${batch} to be loaded or reported`, async () => {
      const listed = (await d.initctl(['list'])).stdout;
      return names.every((n) => listed.includes(`${n} `) || d.stderr().includes(`${n}.conf`));
    }, 120_000, 250);
    const t0 = Date.now();
    const list = await d.initctl(['list']);
    const ms = Date.now() - t0;
    assert.equal(list.code, 0);
    assert.ok(ms < 5000, `list took ${ms} ms after batch ${batch}`);
    for (const n of names) {
      const ok = verdict.get(join(d.confdir, `${n}.conf`));
      assert.equal(list.stdout.includes(`${n} `), ok, `${n}: init-checkconf says ${ok ? 'ok' : 'errors'}`);
    }
    for (const s of SLEEPERS) assert.equal((await jobStatus(d, s)).pid, pids.get(s), `${s} kept its process`);
    console.log(`# batch ${batch}: ${[...verdict.values()].filter((v) => !v).length}/${names.length} rejected; list ${ms} ms`);
  }
  assert.equal(d.proc.exitCode, null);
  const log = d.stderr().split('\n').filter((l) => l !== '');
  assert.doesNotMatch(d.stderr(), /TypeError|RangeError|ReferenceError|\n\s+at /);
  for (const l of log) assert.ok(l.length <= 4096, `a daemon log line of ${l.length} characters`);
  for (const name of all) {
    const mine = log.filter((l) => l.includes(`/${name}.conf`));
    assert.ok(mine.length <= 22, `${name}: ${mine.length} log lines`);
    for (const l of mine) assert.match(l, /^upstart: \S+\.conf(:\d+:\d+)?: /, l.slice(0, 300));
  }
  console.log(`# ${all.length} files: ${log.length} daemon log lines, ${d.stderr().length} bytes`);
  for (const n of all) rmSync(join(d.confdir, `${n}.conf`));
  await waitUntil('the mutated jobs to be gone', async () => !(await d.initctl(['list'])).stdout.includes('mut-'), 60_000, 250);
  for (const s of SLEEPERS) assert.equal((await jobStatus(d, s)).pid, pids.get(s));
});
