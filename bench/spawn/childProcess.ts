// bench/spawn worker: N sequential node:child_process.spawn('/bin/true') runs, each awaited to its exit.
import { spawn } from 'node:child_process';

const n = Number(process.argv[2] ?? 2000);

function once(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('/bin/true', [], { stdio: 'ignore', env: {} });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

for (let i = 0; i < 100; i++) await once(); // warm-up
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await once();
process.stdout.write(`${(Number(process.hrtime.bigint() - t0) / 1000).toFixed(0)}\n`);
