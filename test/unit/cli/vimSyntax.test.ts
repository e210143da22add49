// The vim syntax file (contrib/vim) names every stanza the parser accepts, and vim highlights a job file with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STANZA_NAMES } from '../../../src/config/stanzas.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const syntax = readFileSync(join(root, 'contrib/vim/syntax/upstart.vim'), 'utf8');

test('every stanza of the parser\'s table is a keyword', () => {
  const words = new Set(syntax.split('\n').filter((l) => l.startsWith('syn keyword upstartStanza ')).flatMap((l) => l.split(' ').slice(3)));
  for (const s of STANZA_NAMES) if (s !== 'script') assert.ok(words.has(s), `${s} is highlighted`);
  assert.match(syntax, /syn region upstartScript .*end\\s\\\+script/);
});

test('vim highlights stanzas, and a script body as shell', { skip: existsSync('/usr/bin/vim') ? false : 'no vim' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vim-syntax-'));
  try {
    const file = join(dir, 'job.conf');
    const out = join(dir, 'out');
    writeFileSync(file, 'description "x"\nrespawn limit 10 5\nscript\n  echo $HOME\nend script\n');
    execFileSync('/usr/bin/vim', ['-Es', '-N', '-u', 'NONE', '-i', 'NONE', '-c', `set rtp^=${join(root, 'contrib/vim')}`, '-c', 'syntax on', '-c', 'set ft=upstart',
      '-c', `redir! > ${out}`, '-c', 'for [l, c] in [[1, 1], [2, 1], [2, 9], [4, 3]] | echo synIDattr(synID(l, c, 1), "name") | endfor', '-c', 'redir END', '-c', 'qa!', file], { stdio: 'ignore', timeout: 20_000 });
    assert.deepEqual(readFileSync(out, 'utf8').split('\n').filter((l) => l !== ''), ['upstartStanza', 'upstartStanza', 'upstartOption', 'shStatement']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
