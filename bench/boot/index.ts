// bench/boot: the real daemon and initctl on boot-shaped workloads, each against a C fork/exec baseline from the same run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ownByTotal, summarise } from './profileSummary.ts';
import * as s from './scenarios.ts';

const outDir = fileURLToPath(new URL('../out/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const baseline = `${outDir}boot-baseline`;
execFileSync('cc', ['-O2', '-o', baseline, fileURLToPath(new URL('./baseline.c', import.meta.url))]);

const only = (process.env.BOOT_BENCH_ONLY ?? '').split(',').filter(Boolean);
const profileDir = process.env.BOOT_BENCH_PROFILE ? `${outDir}boot-profiles` : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const ctx: s.Ctx = {
  baseline,
  rounds: Number(process.env.BOOT_BENCH_ROUNDS ?? 3),
  idleSeconds: Number(process.env.BOOT_BENCH_IDLE_S ?? 10),
  ...(profileDir ? { profileDir } : {}),
};

const scenarios: Array<[string, () => Promise<s.Figure | s.Figure[]>]> = [
  ['fanout', () => s.fanout(ctx)],
  ['chain', () => s.chain(ctx)],
  ['tasks', () => s.tasks(ctx)],
  ['respawn', () => s.respawn(ctx)],
  ['rss0', () => s.rss(ctx, 0)],
  ['rss1000', () => s.rss(ctx, 1000)],
  ['rss200running', () => s.rssRunning(ctx)],
  ['idle', () => s.idleAndStatus(ctx)],
  ['startup', () => s.startup(ctx)],
];

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a (baseline 0)');

const figures: s.Figure[] = [];
console.log(`bench boot: ${ctx.rounds} rounds (median), idle CPU measured over ${ctx.idleSeconds} s`);
for (const [key, run] of scenarios) {
  if (only.length > 0 && !only.includes(key)) continue;
  const got = await run();
  for (const f of Array.isArray(got) ? got : [got]) {
    figures.push(f);
    console.log(`${f.name}\n  ours ${fmt(f.ours)} ${f.unit}   ${f.baselineName} ${fmt(f.baseline)} ${f.unit}   ratio ${ratio(f.ours, f.baseline)}`);
    for (const [k, v] of Object.entries(f.also ?? {})) console.log(`  ${k} ${fmt(v)} ${f.unit}   ours/that ${ratio(f.ours, v)}`);
    if (f.note) console.log(`  (${f.note})`);
  }
}
writeFileSync(`${outDir}boot.json`, `${JSON.stringify({ rounds: ctx.rounds, idleSeconds: ctx.idleSeconds, figures }, null, 2)}\n`);

if (profileDir) {
  for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
    const path = `${profileDir}/${file}`;
    const { hotspots, totalMs, idleMs } = summarise(path);
    console.log(`\nprofile ${file}: ${totalMs.toFixed(0)} ms sampled, ${idleMs.toFixed(0)} ms idle; top by self time:`);
    for (const h of hotspots.slice(0, 12)) console.log(`  ${h.selfMs.toFixed(1).padStart(8)} ms  ${h.where}`);
    console.log('  our code by inclusive time:');
    for (const h of ownByTotal(path, 12)) console.log(`  ${h.totalMs.toFixed(1).padStart(8)} ms  ${h.where}`);
  }
}
