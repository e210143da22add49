// watchConfDirs on real directories: add, edit, delete, rename, editor temp-then-rename, new subdirectories; waits with deadlines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchConfDirs, type ConfChange } from '../../../src/config/sources.ts';

interface Merged { added: Set<string>; changed: Set<string>; removed: Set<string>; errors: string[] }

/** Starts a watcher on a fresh temp dir (with `files`) and collects its reports. */
async function start(t: { after: (fn: () => void) => void }, files: Record<string, string>, opts: { missing?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'upstart-ts-watch-'));
  const dir = opts.missing === true ? join(root, 'later', 'init') : root;
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(dir, rel), text);
  const merged: Merged = { added: new Set(), changed: new Set(), removed: new Set(), errors: [] };
  const reports: ConfChange[] = [];
  let wake: (() => void) | undefined;
  const w = watchConfDirs([dir], (c) => {
    reports.push(c);
    for (const s of c.added) merged.added.add(s.name);
    for (const s of c.changed) merged.changed.add(s.name);
    for (const n of c.removed) merged.removed.add(n);
    merged.errors.push(...c.errors.map((e) => `${e.code}@${e.line}`));
    wake?.();
  }, { debounceMs: 30 });
  t.after(() => {
    w.close();
    rmSync(root, { recursive: true, force: true });
  });
  await w.ready;
  /** Resolves once the reports so far satisfy `pred`; fails at the deadline. */
  const until = async (pred: (m: Merged) => boolean, what: string, deadlineMs = 10_000): Promise<Merged> => {
    const deadline = Date.now() + deadlineMs;
    while (!pred(merged)) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out waiting for ${what}; reports: ${JSON.stringify(reports.map((r) => ({ added: r.added.map((s) => s.name), changed: r.changed.map((s) => s.name), removed: r.removed, errors: r.errors.map((e) => e.format()) })))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
    return merged;
  };
  return { dir, root, until, merged, reports };
}

test('watch: a new file is added', async (t) => {
  const w = await start(t, { 'a.conf': 'exec a\n' });
  writeFileSync(join(w.dir, 'b.conf'), 'exec b\n');
  const m = await w.until((m) => m.added.has('b'), 'b added');
  assert.equal(m.changed.has('a'), false);
});

test('watch: an edit is a change; an untouched or identically rewritten file is not reported', async (t) => {
  const w = await start(t, { 'a.conf': 'exec a\n', 'b.conf': 'exec b\n', 'c.conf': 'exec c\n' });
  writeFileSync(join(w.dir, 'c.conf'), 'exec c\n');
  writeFileSync(join(w.dir, 'a.conf'), 'exec a2\n');
  const m = await w.until((m) => m.changed.has('a'), 'a changed');
  assert.deepEqual([...m.changed], ['a']);
  assert.deepEqual([...m.added], []);
  assert.deepEqual(w.reports.flatMap((r) => r.changed).find((s) => s.name === 'a')?.process.main?.command, 'a2');
});

test('watch: delete and rename', async (t) => {
  const w = await start(t, { 'a.conf': 'exec a\n', 'b.conf': 'exec b\n' });
  unlinkSync(join(w.dir, 'a.conf'));
  renameSync(join(w.dir, 'b.conf'), join(w.dir, 'c.conf'));
  const m = await w.until((m) => m.removed.has('a') && m.removed.has('b') && m.added.has('c'), 'a removed, b renamed to c');
  assert.deepEqual([...m.changed], []);
});

test("watch: an editor's write-to-temp-then-rename is one change of that job", async (t) => {
  const w = await start(t, { 'a.conf': 'exec a\n' });
  writeFileSync(join(w.dir, '.a.conf.swp'), 'swap');
  writeFileSync(join(w.dir, 'a.conf.tmp123'), 'exec a3\n');
  renameSync(join(w.dir, 'a.conf.tmp123'), join(w.dir, 'a.conf'));
  const m = await w.until((m) => m.changed.has('a'), 'a changed');
  assert.deepEqual([...m.added], []);
  assert.deepEqual([...m.removed], []);
  assert.deepEqual(m.errors, []);
});

test('watch: a new subdirectory and the files in it', async (t) => {
  const w = await start(t, {});
  mkdirSync(join(w.dir, 'net'));
  writeFileSync(join(w.dir, 'net', 'apache.conf'), 'exec httpd\n');
  await w.until((m) => m.added.has('net/apache'), 'net/apache added');
  writeFileSync(join(w.dir, 'net', 'apache.conf'), 'exec httpd -X\n');
  await w.until((m) => m.changed.has('net/apache'), 'net/apache changed');
});

test('watch: a file that breaks reports its error and is removed; fixing it adds it back', async (t) => {
  const w = await start(t, { 'a.conf': 'exec a\n' });
  writeFileSync(join(w.dir, 'a.conf'), 'exec a\nnice 99\n');
  const m = await w.until((m) => m.removed.has('a') && m.errors.length > 0, 'a broken');
  assert.deepEqual(m.errors, ['bad-nice@2']);
  writeFileSync(join(w.dir, 'a.conf'), 'exec a\nnice 9\n');
  await w.until((m) => m.added.has('a'), 'a fixed');
});

test('watch: an override appearing changes the job', async (t) => {
  const w = await start(t, { 'a.conf': 'start on startup\nexec a\n' });
  writeFileSync(join(w.dir, 'a.override'), 'manual\n');
  await w.until((m) => m.changed.has('a'), 'a changed by its override');
  const last = w.reports.flatMap((r) => r.changed).filter((s) => s.name === 'a').pop();
  assert.equal(last?.manual, true);
});

test('watch: a configured directory created after the watcher started', async (t) => {
  const w = await start(t, {}, { missing: true });
  mkdirSync(w.dir, { recursive: true });
  writeFileSync(join(w.dir, 'late.conf'), 'exec late\n');
  await w.until((m) => m.added.has('late'), 'late added');
});
