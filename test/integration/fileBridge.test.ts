// upstart-file-bridge against the real daemon: file events for files, globs and directories (file-event(7)), what already exists, jobs added later.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startDaemon, waitForFile, waitUntil, type DaemonHandle } from './harness.ts';

let d: DaemonHandle;
let bridge: ChildProcess;
let bridgeErr = '';
let w: string;

/** The `file` events in the daemon's journal so far, as `EVENT FILE [MATCH]` strings. */
async function fileEvents(): Promise<string[]> {
  const r = await d.initctl(['events', '--json']);
  return r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; name?: string; env?: string[] })
    .filter((e) => e.kind === 'event' && e.name === 'file')
    .map((e) => {
      const v = (k: string): string | undefined => e.env!.find((x) => x.startsWith(`${k}=`))?.slice(k.length + 1);
      return [v('EVENT'), v('FILE'), v('MATCH')].filter((x) => x !== undefined).join(' ');
    });
}

before(async () => {
  d = await startDaemon({});
  w = join(d.dir, 'watched');
  mkdirSync(join(w, 'inbox'), { recursive: true });
  mkdirSync(join(w, 'spool'));
  writeFileSync(join(w, 'already'), 'x\n');
  d.writeJob('flagged', `task\nstart on file FILE=${w}/flag EVENT=create\nexec sh -c 'echo "$EVENT $FILE" > "${d.dir}/flagged.out"'\n`);
  d.writeJob('mail', `task\ninstance $MATCH\nstart on file FILE=${w}/inbox/*.txt EVENT=create\nexec true\n`);
  d.writeJob('spooler', `start on file FILE=${w}/spool/\nexec sleep 6901\n`);
  d.writeJob('early', `task\nstart on file FILE=${w}/already EVENT=create\nexec true\n`);
  d.writeJob('gone', `task\nstart on file FILE=${w}/doomed EVENT=delete\nexec true\n`);
  await d.initctl(['reload-configuration']);
  writeFileSync(join(w, 'doomed'), '');
  bridge = spawn(process.execPath, [join(ROOT, 'bin/upstart-file-bridge'), '--debug'], { env: { ...process.env, UPSTART_SESSION: `unix:path=${d.socket}` }, stdio: ['ignore', 'ignore', 'pipe'] });
  bridge.stderr!.setEncoding('utf8').on('data', (s: string) => { bridgeErr += s; });
  // Registered: what exists already (EVENT=create) is announced.
  await waitUntil('the bridge to announce what exists', async () => (await fileEvents()).includes(`create ${w}/already`));
});

after(async () => {
  if (bridge && bridge.exitCode === null) bridge.kill('SIGKILL');
  await d?.stop();
});

test('a file created: FILE and EVENT as the job wrote them; the job runs with them', async () => {
  writeFileSync(join(w, 'flag'), '');
  assert.equal(await waitForFile(join(d.dir, 'flagged.out')), `create ${w}/flag\n`);
});

test('a glob: one event per match, with MATCH; an EVENT=delete job hears only deletions', async () => {
  writeFileSync(join(w, 'inbox', 'a.txt'), '');
  writeFileSync(join(w, 'inbox', 'b.dat'), '');
  writeFileSync(join(w, 'inbox', 'c.txt'), '');
  unlinkSync(join(w, 'doomed'));
  await waitUntil('the glob and delete events', async () => {
    const ev = await fileEvents();
    return ev.includes(`create ${w}/inbox/*.txt ${w}/inbox/a.txt`) && ev.includes(`create ${w}/inbox/*.txt ${w}/inbox/c.txt`) && ev.includes(`delete ${w}/doomed`);
  });
  const ev = await fileEvents();
  assert.ok(!ev.some((e) => e.includes('b.dat')), ev.join('\n'));
  assert.ok(!ev.includes(`create ${w}/doomed`), 'no create for an EVENT=delete watch');
});

test('a directory: its entries created, modified and deleted; the job it starts runs', async () => {
  writeFileSync(join(w, 'spool', 'job1'), 'a');
  await waitUntil('spooler to run', async () => (await d.initctl(['status', 'spooler'])).stdout.startsWith('spooler start/running'));
  writeFileSync(join(w, 'spool', 'job1'), 'ab');
  unlinkSync(join(w, 'spool', 'job1'));
  await waitUntil('modify and delete events for the directory', async () => {
    const ev = await fileEvents();
    return ev.includes(`modify ${w}/spool/`) && ev.includes(`delete ${w}/spool/`);
  });
});

test('a job added later is watched as soon as init has loaded it (init streams its job list: watch-config)', async () => {
  d.writeJob('late', `task\nstart on file FILE=${w}/late EVENT=create\nexec true\n`);
  await waitUntil('the bridge to watch the new job', () => (bridgeErr.includes(`watching ${w}/late (EVENT=create)`) ? true : undefined), 10_000);
  writeFileSync(join(w, 'late'), '');
  await waitUntil('the late file event', async () => (await fileEvents()).includes(`create ${w}/late`));
});

// A re-exec, a restart of init and init gone for good: test/integration/bridgeFollow.test.ts.
