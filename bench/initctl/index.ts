// bench/initctl: `initctl status JOB` round trip (C client, bin/initctl wrapper, Node client) against a fork/exec of /bin/true.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-initctl-'));
const sock = join(dir, 'control.sock');

function cClient(): string {
  const built = join(root, 'native/build/Release/initctl');
  if (existsSync(built)) return built;
  const out = join(dir, 'initctl');
  execFileSync(process.env.CC ?? 'cc', ['-O2', '-std=gnu11', join(root, 'native/initctl/initctl.c'), join(root, 'native/initctl/json.c'), '-o', out]);
  return out;
}

/** Median and 90th percentile of n timed runs, in ms. */
function time(n: number, file: string, args: string[], expect?: string): { median: number; p90: number } {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    const r = spawnSync(file, args, { encoding: 'utf8' });
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
    if (r.status !== 0 || (expect !== undefined && r.stdout !== expect)) throw new Error(`${file} ${args.join(' ')}: ${r.status} ${r.stdout}${r.stderr}`);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(n / 2)] as number, p90: t[Math.floor(n * 0.9)] as number };
}

const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/initctl/server.ts'), sock], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined));
    server.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const client = cClient();
  const args = ['--socket', sock, 'status', 'svc7'];
  const want = 'svc7 start/running, process 4321\n';
  const N = 300;
  time(30, client, args, want);
  const base = time(N, '/bin/true', []);
  const c = time(N, client, args, want);
  const wrapper = time(N, join(root, 'bin/initctl'), args, want);
  const rows: Array<[string, { median: number; p90: number }]> = [
    ['fork/exec /bin/true (baseline)', base],
    ['C initctl status', c],
    ['bin/initctl (sh wrapper + C)', wrapper],
  ];
  const node = join(root, 'dist/cli/initctl.js');
  if (existsSync(node)) {
    const nodeArgs = [node, ...args];
    rows.push(['Node initctl (dist/cli)', time(20, process.execPath, nodeArgs, want)]);
  }
  // A shell loop: how a job script calls it (no Node spawnSync overhead in the figure).
  const loop = (cmd: string): number => {
    const n = 300;
    const s = process.hrtime.bigint();
    execFileSync('/bin/sh', ['-c', `i=0; while [ $i -lt ${n} ]; do ${cmd} >/dev/null || exit 1; i=$((i+1)); done`]);
    return Number(process.hrtime.bigint() - s) / 1e6 / n;
  };
  const q = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
  const shBase = loop('/bin/true');
  const shC = loop([client, ...args].map(q).join(' '));
  console.log(`sh loop: /bin/true ${shBase.toFixed(2)} ms per run; C initctl status ${shC.toFixed(2)} ms per run (ratio ${(shC / shBase).toFixed(1)}x)`);
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(34)} median ${r.median.toFixed(2)} ms  p90 ${r.p90.toFixed(2)} ms  ratio ${(r.median / base.median).toFixed(1)}x`);
  }
  console.log(`client minus baseline: ${(c.median - base.median).toFixed(2)} ms (Upstart's C initctl: about 3 ms end to end)`);
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
