// The man pages (man/, made from the site's pages) render with no groff warning, through groff and through man -l.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAN_PAGES } from '../../../scripts/gen/man.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = join(root, 'man');
const pages = readdirSync(dir).filter((f) => /\.[1-8]$/.test(f)).sort();

test('every page of the table is there: init(5), upstart(8), init(8), initctl(8), init-checkconf(8), upstart-events(7)', () => {
  for (const want of ['init.5', 'upstart.8', 'init.8', 'initctl.8', 'init-checkconf.8', 'upstart-events.7']) assert.ok(pages.includes(want), want);
  assert.equal(MAN_PAGES.length, pages.filter((p) => !readFileSync(join(dir, p), 'utf8').startsWith('.so ')).length);
});

test('groff -ww -z: no warnings', { skip: existsSync('/usr/bin/groff') ? false : 'no groff (apt-get install groff)' }, () => {
  for (const p of pages) {
    const text = readFileSync(join(dir, p), 'utf8');
    if (text.startsWith('.so ')) {
      // A link: its target is in the same section.
      const target = text.slice(4).trim().split('/')[1] ?? '';
      assert.ok(pages.includes(target), `${p} → ${target}`);
      continue;
    }
    for (const args of [['-ww', '-z', '-man'], ['-ww', '-z', '-man', '-Tutf8', '-rcR=1']]) {
      const r = spawnSync('/usr/bin/groff', [...args, join(dir, p)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${p}: ${r.stderr}`);
      assert.equal(r.stderr, '', `${p} (groff ${args.join(' ')})`);
    }
  }
});

test('man -l renders every page, with its NAME line, and no warning', { skip: existsSync('/usr/bin/man') ? false : 'no man (apt-get install man-db)' }, () => {
  for (const p of pages) {
    if (readFileSync(join(dir, p), 'utf8').startsWith('.so ')) continue;
    const r = spawnSync('/usr/bin/man', ['--warnings', '-l', join(dir, p)], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', MANWIDTH: '80', MAN_KEEP_FORMATTING: '', LANG: 'C.UTF-8' } });
    assert.equal(r.status, 0, `${p}: ${r.stderr}`);
    assert.equal(r.stderr, '', p);
    assert.match(r.stdout, /^NAME\n {7}\S+ - /m, p);
  }
});
