// The jobs upstart-ts-init installs in /etc/init (packaging/debian/init) parse with no error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseJob } from '../../../src/config/parser.ts';

const dir = fileURLToPath(new URL('../../../packaging/debian/init', import.meta.url));

test('packaging: every Debian boot job parses, and the boot reaches a runlevel', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.conf')).sort();
  assert.ok(files.length >= 8, `found ${files.length}`);
  const problems: string[] = [];
  const starts = new Map<string, string>();
  for (const f of files) {
    const r = parseJob(readFileSync(`${dir}/${f}`, 'utf8'), { file: f, name: f.replace(/\.conf$/, '') });
    problems.push(...r.errors.map((e) => e.format()));
    if (r.spec === undefined) continue;
    if (r.spec.start !== undefined) starts.set(f, JSON.stringify(r.spec.start));
  }
  assert.deepEqual(problems, []);
  // The chain a boot follows: startup → mountall → filesystem → rc-sysinit (telinit) → runlevel → rc → gettys.
  assert.match(starts.get('mountall.conf') ?? '', /startup/);
  assert.match(starts.get('rc-sysinit.conf') ?? '', /filesystem/);
  assert.match(starts.get('rc.conf') ?? '', /runlevel/);
  assert.match(starts.get('ttyS0.conf') ?? '', /stopped/);
});
