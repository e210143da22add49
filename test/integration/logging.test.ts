// Job output through the real daemon: the shared output scenarios, the last byte before stopped, status --json counters.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitUntil, type DaemonHandle } from './harness.ts';
import { OUTPUT_SCENARIOS, type Expected } from '../native/log/outputScenarios.ts';

let d: DaemonHandle;
const prepared = new Map<string, Expected>();

/** A task running `script` (sh), optionally an instance job keyed on $NAME. */
function taskJob(script: string, extra = ''): string {
  return `task\n${extra}script\n${script}\nend script\n`;
}

before(async () => {
  d = await startDaemon({});
  for (const sc of OUTPUT_SCENARIOS) {
    const { script, expected } = sc.prepare(d.dir);
    prepared.set(sc.name, expected);
    d.writeJob(sc.job, taskJob(script, sc.instance === '' ? '' : 'instance $NAME\n'));
  }
  // Runs when `quick` has stopped: records how big quick.log was at that moment.
  d.writeJob('after-quick', `start on stopped quick\ntask\nexec stat -c %s '${join(d.logdir, 'quick.log')}' > '${join(d.dir, 'seen-size')}'\n`);
  await waitUntil('every scenario job to load', async () => {
    const r = await d.initctl(['list']);
    return OUTPUT_SCENARIOS.every((sc) => r.stdout.includes(`${sc.job} `)) && r.stdout.includes('after-quick ');
  });
});

after(async () => {
  await d?.stop();
});

function digest(path: string): { size: number; sha256: string } {
  const got = readFileSync(path);
  return { size: got.length, sha256: createHash('sha256').update(got).digest('hex') };
}

interface StatusJson {
  job: string;
  instance: string;
  state: string;
  output?: { bytesWritten: number; bytesDropped: number; buffered: number };
}

async function statusJson(job: string, ...env: string[]): Promise<StatusJson[]> {
  const r = await d.initctl(['status', '--json', job, ...env]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson[];
}

for (const sc of OUTPUT_SCENARIOS) {
  test(`through the daemon: ${sc.name}`, async () => {
    const want = prepared.get(sc.name)!;
    const env = sc.instance === '' ? [] : [`NAME=${sc.instance}`];
    const r = await d.initctl(['start', sc.job, ...env]);
    assert.equal(r.code, 0, r.stderr);
    // `start` of a task returns once it has stopped: its whole output is in the file by then.
    const path = join(d.logdir, sc.file);
    const got = digest(path);
    assert.equal(got.size, want.size, `${sc.file}: size (${want.what})`);
    assert.equal(got.sha256, want.sha256, `${sc.file}: content (${want.what})`);
    assert.equal(statSync(path).mode & 0o777, 0o640);
    if (sc.instance !== '') return; // a finished instance is gone: status has nothing to show for it
    const [s] = await statusJson(sc.job, ...env);
    assert.deepEqual(s?.output, { bytesWritten: want.size, bytesDropped: 0, buffered: 0 });
  });
}

test('the last byte of a process that writes and exits at once is in the log before its stopped event', async () => {
  const want = prepared.get('a writer that writes and exits at once')!;
  const seen = join(d.dir, 'seen-size');
  const idle = async (): Promise<boolean> => (await d.initctl(['status', 'after-quick'])).stdout === 'after-quick stop/waiting\n';
  for (let round = 0; round < 3; round++) {
    await waitUntil('after-quick to be idle', idle);
    rmSync(seen, { force: true });
    const before = existsSync(join(d.logdir, 'quick.log')) ? statSync(join(d.logdir, 'quick.log')).size : 0;
    const r = await d.initctl(['start', 'quick']);
    assert.equal(r.code, 0, r.stderr);
    // after-quick ran on `stopped quick` and recorded the file's size at that moment.
    const size = await waitUntil('after-quick to record the size', () => {
      try {
        return readFileSync(seen, 'utf8').trim();
      } catch {
        return '';
      }
    });
    assert.equal(Number(size), before + want.size, `round ${round}: every byte was in the file when stopped was emitted`);
  }
});

test('status --json shows each running instance its own counters; a job that never wrote has no file', async () => {
  d.writeJob('svc', 'instance $NAME\nscript\n  printf "%s says hi\\n" "$NAME"\n  exec sleep 600\nend script\n');
  d.writeJob('silent', 'exec sleep 600\n');
  await waitUntil('svc and silent to load', async () => (await d.initctl(['status', 'silent'])).code === 0 && (await d.initctl(['status', 'svc'])).code === 0);
  try {
    for (const name of ['a', 'bb']) assert.equal((await d.initctl(['start', 'svc', `NAME=${name}`])).code, 0);
    assert.equal((await d.initctl(['start', 'silent'])).code, 0);
    for (const name of ['a', 'bb']) {
      const line = `${name} says hi\n`;
      await waitUntil(`svc-${name}.log`, () => existsSync(join(d.logdir, `svc-${name}.log`)) && readFileSync(join(d.logdir, `svc-${name}.log`), 'utf8') === line);
      const [s] = await statusJson('svc', `NAME=${name}`);
      assert.equal(s?.instance, name);
      assert.equal(s?.state, 'running');
      assert.deepEqual(s?.output, { bytesWritten: line.length, bytesDropped: 0, buffered: 0 });
    }
    const [s] = await statusJson('silent');
    assert.deepEqual(s?.output, { bytesWritten: 0, bytesDropped: 0, buffered: 0 });
    assert.match((await d.initctl(['status', 'silent'])).stdout, /^silent start\/running, process \d+\n$/);
    assert.equal(existsSync(join(d.logdir, 'silent.log')), false);
  } finally {
    await d.initctl(['stop', 'silent']);
    for (const name of ['a', 'bb']) await d.initctl(['stop', 'svc', `NAME=${name}`]);
  }
});
