// Compiles the C initctl client (and the JSON test driver) with the system C compiler into a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CFLAGS = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11'];

export interface Built {
  dir: string;
  initctl: string;
  jsonDriver: string;
}

/** undefined (with the reason) when no C compiler is there. */
export function buildClient(): Built | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'initctl-c-'));
  const cc = process.env.CC ?? 'cc';
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
  } catch {
    return { skip: `no C compiler (${cc}) to build native/initctl` };
  }
  const initctl = join(dir, 'initctl');
  const jsonDriver = join(dir, 'jsonDriver');
  // The sources native/binding.gyp builds the client from (JSON as gyp writes it here).
  const gyp = JSON.parse(readFileSync(join(root, 'native/binding.gyp'), 'utf8')) as { targets: Array<{ target_name: string; sources: string[] }> };
  const sources = gyp.targets.find((t) => t.target_name === 'initctl')!.sources.map((s) => join(root, 'native', s));
  execFileSync(cc, [...CFLAGS, ...sources, '-o', initctl]);
  execFileSync(cc, [...CFLAGS, join(root, 'test/native/initctl/jsonDriver.c'), join(root, 'native/initctl/json.c'), '-o', jsonDriver]);
  return { dir, initctl, jsonDriver };
}
