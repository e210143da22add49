// The reference pages against the code: every stanza of the parser's table, every event of init's own, every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STANZA_NAMES } from '../../../src/config/stanzas.ts';
import { COMMANDS } from '../../../src/control/commands/index.ts';
import { DAEMON_EVENT_NAMES } from '../../../src/model/daemonEvents.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const page = (p: string): string => readFileSync(join(root, 'docs', p), 'utf8');

test('the job-language reference has a row for every stanza the parser accepts', () => {
  const text = page('job-language.md');
  assert.ok(STANZA_NAMES.length > 30, 'the parser\'s stanza table is read');
  const missing = STANZA_NAMES.filter((s) => !new RegExp(`^\\| \`${s.replace(/[-]/g, '\\-')}[ \`]`, 'm').test(text));
  assert.deepEqual(missing, [], `stanzas without a row in docs/job-language.md: ${missing.join(', ')}`);
});

test('the events reference describes every event init emits itself', () => {
  const text = page('reference/events.md');
  const missing = DAEMON_EVENT_NAMES.filter((e) => !text.includes(`\n### ${e}\n`));
  assert.deepEqual(missing, [], `events without a section in docs/reference/events.md: ${missing.join(', ')}`);
});

test('the initctl reference has a section for every command of the table', () => {
  const text = page('reference/initctl.md');
  for (const c of Object.keys(COMMANDS)) assert.ok(text.includes(`\n### ${c}\n`), c);
});
