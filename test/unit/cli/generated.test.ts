// Every file generated from the code's tables (scripts/generate.ts) is as the tables make it now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../../../scripts/gen/all.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('generated files are current (else run `npm run generate`)', () => {
  for (const [path, text] of Object.entries(generatedFiles())) {
    let cur = '';
    try {
      cur = readFileSync(join(root, path), 'utf8');
    } catch {
      assert.fail(`${path} is missing: run \`npm run generate'`);
    }
    assert.ok(cur === text, `${path} is not current: run \`npm run generate'`);
  }
});
