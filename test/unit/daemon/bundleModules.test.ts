// The bundled daemon (dist/bundle/upstart.cjs, built by npm test) loads no node module it must do without.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

const BUNDLE = new URL('../../../dist/bundle/upstart.cjs', import.meta.url);

test('no node:child_process (DESIGN: every process goes through the native layer), no node:fs/promises (0.8 MiB of RSS), node:tty or node:vm at load (only a pty without the native pump, only V8 12+), node:os only where HOME is unset', (t) => {
  if (!existsSync(BUNDLE)) return t.skip('dist/bundle/upstart.cjs is not built (npm run build:ts)');
  const text = readFileSync(BUNDLE, 'utf8');
  const required = [...text.matchAll(/require\("(node:[a-z_/]+)"\)/g)].map((m) => m[1]);
  for (const banned of ['node:child_process', 'node:fs/promises', 'node:readline', 'node:cluster', 'node:tty', 'node:vm']) assert.ok(!required.includes(banned), `${banned} is required`);
  const os = [...text.matchAll(/^.*require\("node:os"\).*$/gm)].map((m) => m[0]);
  assert.ok(os.every((line) => line.includes('process.env.HOME ?? require("node:os")')), `node:os required at: ${os.join('\n')}`);
});
