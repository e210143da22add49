// Every real job file in ../shared/corpus (Upstart 1.13 and Chromium OS) parses with no error and prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseJob } from '../../../src/config/parser.ts';
import { formatCondition, formatOperands } from '../../../src/config/conditionText.ts';

const corpus = fileURLToPath(new URL('../../../../shared/corpus', import.meta.url));
const present = existsSync(corpus);
const files = present ? readdirSync(corpus).filter((f) => f.endsWith('.conf')).sort() : [];

test('corpus: every job file loads with no error', { skip: present ? false : `corpus not found at ${corpus} (../shared is absent)` }, () => {
  assert.ok(files.length >= 170, `expected the whole corpus, found ${files.length} files`);
  const problems: string[] = [];
  for (const f of files) {
    const r = parseJob(readFileSync(`${corpus}/${f}`, 'utf8'), { file: f, name: f.replace(/\.conf$/, '') });
    problems.push(...r.errors.map((e) => e.format()));
    if (r.spec === undefined) continue;
    if (r.spec.start) {
      formatCondition(r.spec.start);
      assert.ok(formatOperands(r.spec.start, 'start on').length > 0);
    }
    if (r.spec.stop) formatCondition(r.spec.stop);
  }
  assert.deepEqual(problems, []);
});

test('corpus: known files parse to the expected shape', { skip: present ? false : `corpus not found at ${corpus} (../shared is absent)` }, () => {
  const load = (f: string) => {
    const r = parseJob(readFileSync(`${corpus}/${f}`, 'utf8'), { file: f, name: f });
    assert.ok(r.spec, f);
    return r.spec;
  };
  const tty1 = load('upstart__debian__conf__tty1.conf');
  assert.ok(tty1.start && tty1.stop);
  assert.equal(formatCondition(tty1.start), '(stopped rc RUNLEVEL=[2345] and ((not-container or container CONTAINER=lxc) or container CONTAINER=lxc-libvirt))');
  assert.equal(formatCondition(tty1.stop), 'runlevel [!2345]');
  assert.equal(tty1.respawn, true);
  assert.deepEqual(tty1.process.main, { kind: 'exec', command: '/sbin/getty -8 38400 tty1', line: 14 });
  const rcSysinit = load('upstart__conf__rc-sysinit.conf');
  assert.ok(rcSysinit.start);
  assert.equal(formatCondition(rcSysinit.start), '((filesystem and static-network-up) or failsafe-boot)');
  // Upstart's tokenizer: the quoted minijail argument continued with a backslash is one argument, the newline one space.
  const smb = load('smbprovider__etc__init__smbproviderd.conf');
  assert.match(smb.process.main?.command ?? '', / -k '\/run\/daemon-store\/smbproviderd,\/run\/daemon-store\/smbproviderd, none,MS_BIND\|MS_REC' -S /);
  for (const f of files) {
    const spec = load(f);
    for (const [p, proc] of Object.entries(spec.process)) {
      if (proc.kind === 'exec') assert.ok(!proc.command.includes('\n'), `${f} ${p}: an exec command is one line, as Upstart makes it`);
      else {
        // Upstart's indentation rule: a body left indented on its first line has a line that cut the indentation short.
        const lines = proc.command.split('\n').slice(0, -1);
        const first = lines[0] ?? '';
        if (first === '' || !/^[ \t]/.test(first)) continue;
        const ind = /^[ \t]*/.exec(first)![0];
        assert.ok(lines.some((l) => !l.startsWith(ind)), `${f} ${p}: the first line's indentation was left on every line`);
      }
    }
  }
  const adbd = load('arc__adbd__init__arc-adbd.conf');
  assert.ok(adbd.imports.length > 0 || adbd.tmpfiles.length > 0, 'uses a Chromium OS extension');
});
