// bench/spawn: spawn+reap 2,000 /bin/true via the native addon, node:child_process and a C fork/exec loop, in one run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.SPAWN_BENCH_N ?? 2000);
const ROUNDS = Number(process.env.SPAWN_BENCH_ROUNDS ?? 3);
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const outDir = fileURLToPath(new URL('../out/', import.meta.url));
mkdirSync(outDir, { recursive: true });

// The C baseline is compiled here, with the toolchain node-gyp already needs.
const cBin = `${outDir}spawn-forkexec`;
execFileSync('cc', ['-O2', '-o', cBin, here('./forkexec.c')]);

// Each contender runs in its own process: the native reaper must not share a process with child_process.
const runners: Record<string, () => number> = {
  'C fork+exec': () => Number(execFileSync(cBin, [String(N), 'fork'], { encoding: 'utf8' })),
  'C vfork+exec': () => Number(execFileSync(cBin, [String(N), 'vfork'], { encoding: 'utf8' })),
  'native addon': () => Number(execFileSync(process.execPath, ['--import', 'tsx', here('./native.ts'), String(N)], { encoding: 'utf8' })),
  // The daemon's path since #22: the clone on a spawner thread, the pid back at once (one after another, so the thread hop is all it adds).
  'native spawnStart': () => Number(execFileSync(process.execPath, ['--import', 'tsx', here('./native.ts'), String(N), 'start'], { encoding: 'utf8' })),
  'node:child_process': () => Number(execFileSync(process.execPath, ['--import', 'tsx', here('./childProcess.ts'), String(N)], { encoding: 'utf8' })),
};

const best: Record<string, number> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(runners)) {
    const perSpawn = run() / N;
    best[name] = Math.min(best[name] ?? Infinity, perSpawn);
  }
}

const c = best['C fork+exec']!;
const nat = best['native addon']!;
const cp = best['node:child_process']!;
console.log(`spawn+reap ${N} x /bin/true, best of ${ROUNDS} rounds (µs per spawn):`);
for (const [name, us] of Object.entries(best)) console.log(`  ${name.padEnd(20)} ${us.toFixed(1).padStart(8)}`);
console.log(`native / C fork loop:         ${(nat / c).toFixed(2)}x (target <= 1.5x)`);
console.log(`child_process / native:       ${(cp / nat).toFixed(2)}x (target >= 3x)`);
console.log(`spawnStart / C fork loop:     ${(best['native spawnStart']! / c).toFixed(2)}x`);
writeFileSync(`${outDir}spawn.json`, `${JSON.stringify({ n: N, rounds: ROUNDS, usPerSpawn: best, nativeOverC: nat / c, spawnStartOverC: best['native spawnStart']! / c, childProcessOverNative: cp / nat }, null, 2)}\n`);
