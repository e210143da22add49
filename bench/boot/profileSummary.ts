// Summarises a V8 .cpuprofile (node --cpu-prof): self and total time per function with file:line, top N.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Hotspot {
  where: string;
  selfMs: number;
  totalMs: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const maps = new Map<string, SourceMap | null>();

/** The source map next to a bundled file (FILE.map), or null. */
function mapFor(path: string): SourceMap | null {
  let m = maps.get(path);
  if (m === undefined) {
    m = existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))) : null;
    maps.set(path, m);
  }
  return m;
}

/** `function file:line`, mapped back to src/ through the bundle's source map when there is one. */
function label(n: ProfileNode): string {
  const { functionName, url, lineNumber, columnNumber } = n.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return `${name} (native)`;
  if (!url.startsWith('file://')) return `${name} ${url}:${lineNumber + 1}`;
  const path = fileURLToPath(url);
  const entry = mapFor(path)?.findEntry(lineNumber, columnNumber);
  if (entry && 'originalSource' in entry && entry.originalSource) {
    const src = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(dirname(path), entry.originalSource);
    return `${name} ${relative(ROOT, src)}:${entry.originalLine + 1}`;
  }
  return `${name} ${relative(ROOT, path)}:${lineNumber + 1}`;
}

/** Self and total (inclusive) milliseconds per function, sorted by self time. */
export function summarise(path: string): { hotspots: Hotspot[]; totalMs: number; idleMs: number } {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let idle = 0;
  let all = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    all += us;
    if (n.callFrame.functionName === '(idle)') idle += us;
    const l = label(n);
    self.set(l, (self.get(l) ?? 0) + us);
    // Inclusive time: once per distinct function on the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cl = label(byId.get(cur)!);
      if (seen.has(cl)) continue;
      seen.add(cl);
      total.set(cl, (total.get(cl) ?? 0) + us);
    }
  }
  const hotspots = [...self.entries()]
    .map(([where, us]) => ({ where, selfMs: us / 1000, totalMs: (total.get(where) ?? us) / 1000 }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { hotspots, totalMs: all / 1000, idleMs: idle / 1000 };
}

/** Top functions by total time that are our own code (src/ or dist/). */
export function ownByTotal(path: string, n: number): Hotspot[] {
  const { hotspots } = summarise(path);
  return hotspots.filter((h) => /\b(src|dist)\//.test(h.where)).sort((a, b) => b.totalMs - a.totalMs).slice(0, n);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: profileSummary.ts FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  const n = Number(process.argv[3] ?? 25);
  const { hotspots, totalMs, idleMs } = summarise(file);
  console.log(`sampled ${totalMs.toFixed(0)} ms, idle ${idleMs.toFixed(0)} ms`);
  console.log('-- by self time');
  for (const h of hotspots.slice(0, n)) console.log(`${h.selfMs.toFixed(1).padStart(9)} ms self ${h.totalMs.toFixed(1).padStart(9)} ms total  ${h.where}`);
  console.log('-- own code by total time');
  for (const h of ownByTotal(file, n)) console.log(`${h.totalMs.toFixed(1).padStart(9)} ms total ${h.selfMs.toFixed(1).padStart(9)} ms self  ${h.where}`);
}
