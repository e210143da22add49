// SysvServices over fake ports: the events around each script run, failures in words, refusals, status from the status action.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SysvServices, type SysvDeps } from '../../../src/daemon/sysvServices.ts';
import type { HelperResult } from '../../../src/process/helperRuns.ts';
import { SpawnError } from '../../../src/sys/spawnError.ts';

type Outcome = HelperResult | Error;

function harness(outcomes: Record<string, Outcome>, jobs: string[] = []): { svc: SysvServices; events: string[]; runs: string[][]; logs: string[] } {
  const events: string[] = [];
  const runs: string[][] = [];
  const logs: string[] = [];
  const deps: SysvDeps = {
    serviceEvent: async (name, service, env, wait) => { events.push(`${name}${wait ? '(wait)' : ''} JOB=${service} ${env.join(' ')}`); },
    isJob: (name) => jobs.includes(name),
    jobEnv: () => new Map([['PATH', '/usr/bin:/bin'], ['TERM', 'linux']]),
    runHelper: async (argv, env) => {
      runs.push([...argv, '|', ...env]);
      const o = outcomes[`${argv[0]} ${argv[1]}`];
      if (o === undefined) throw new Error(`unexpected run ${argv.join(' ')}`);
      if (o instanceof Error) throw o;
      return o;
    },
    log: (level, msg) => logs.push(`${level}: ${msg}`),
  };
  return { svc: new SysvServices(deps), events, runs, logs };
}

const ok: HelperResult = { exit: { pid: 1, kind: 'exited', status: 0 }, output: 'Starting b\n' };
const base = { script: '/etc/init.d/b', env: ['RUNLEVEL=2', 'PREVLEVEL=N'], timeoutMs: 1000 };

test('start that succeeds: starting (waited on), the script with the job env plus the request env, started', async () => {
  const h = harness({ '/etc/init.d/b start': ok });
  const r = await h.svc.run({ name: 'b', action: 'start', ...base });
  assert.deepEqual(r, { result: 'ok', exitStatus: 0, output: 'Starting b\n' });
  assert.deepEqual(h.events, ['starting(wait) JOB=b SYSV=1', 'started JOB=b SYSV=1']);
  assert.deepEqual(h.runs, [['/etc/init.d/b', 'start', '|', 'PATH=/usr/bin:/bin', 'TERM=linux', 'RUNLEVEL=2', 'PREVLEVEL=N']]);
  assert.deepEqual(h.svc.list(), [{ name: 'b', script: '/etc/init.d/b', goal: 'start', state: 'running', result: 'ok' }]);
});

test('start that fails, is not executable or times out: stopping and stopped with RESULT=failed PROCESS=main and the reason', async () => {
  const cases: Array<[Outcome, string, string]> = [
    [{ exit: { pid: 1, kind: 'exited', status: 7 }, output: '' }, 'EXIT_STATUS=7 SYSV_REASON=exited with status 7', 'exited with status 7'],
    [new SpawnError('exec', 13, '/etc/init.d/b'), 'SYSV_REASON=not executable', 'not executable'],
    [{ exit: { pid: 1, kind: 'killed', signal: 'KILL', core: false }, output: '', timedOut: true }, 'EXIT_SIGNAL=KILL SYSV_REASON=timed out after 1 s', 'timed out after 1 s'],
  ];
  for (const [outcome, keys, reason] of cases) {
    const h = harness({ '/etc/init.d/b start': outcome });
    const r = await h.svc.run({ name: 'b', action: 'start', ...base });
    assert.equal(r.result, 'failed');
    assert.equal(r.reason, reason);
    const end = `JOB=b SYSV=1 RESULT=failed PROCESS=main ${keys}`;
    assert.deepEqual(h.events, ['starting(wait) JOB=b SYSV=1', `stopping(wait) ${end}`, `stopped ${end}`]);
    assert.deepEqual(h.logs, [`warn: b (sysv) start failed: ${reason}`]);
    assert.equal(h.svc.get('b')?.state, 'waiting');
  }
});

test('stop: stopping (waited on), the script, stopped with how it ended; a note rides on every event', async () => {
  const h = harness({ '/etc/init.d/b stop': { exit: { pid: 1, kind: 'exited', status: 0 }, output: '' } });
  await h.svc.run({ name: 'b', action: 'stop', note: 'no LSB header', ...base });
  assert.deepEqual(h.events, [
    'stopping(wait) JOB=b SYSV=1 SYSV_NOTE=no LSB header RESULT=ok PROCESS=main',
    'stopped JOB=b SYSV=1 SYSV_NOTE=no LSB header RESULT=ok PROCESS=main EXIT_STATUS=0',
  ]);
});

test('refused: a name that is a job, a bad name, a relative script, a run while one is under way', async () => {
  const h = harness({ '/etc/init.d/b start': ok }, ['cron']);
  await assert.rejects(h.svc.run({ name: 'cron', action: 'start', ...base }), /cron is a job/);
  await assert.rejects(h.svc.run({ name: 'a b', action: 'start', ...base }), /Invalid service name/);
  await assert.rejects(h.svc.run({ name: 'b', action: 'start', ...base, script: 'init.d/b' }), /must be absolute/);
  const first = h.svc.run({ name: 'b', action: 'start', ...base });
  await assert.rejects(h.svc.run({ name: 'b', action: 'start', ...base }), (e: Error & { code?: string }) => e.code === 'already-running');
  await first;
  assert.deepEqual(h.events.filter((e) => e.startsWith('starting')), ['starting(wait) JOB=b SYSV=1']);
});

test('status: from the status action by LSB exit code (0 running, 3 not), the recorded state for a usage text or without ask', async () => {
  const answers: Array<[HelperResult, string]> = [
    [{ exit: { pid: 1, kind: 'exited', status: 0 }, output: 'b is running\n' }, 'start/running'],
    [{ exit: { pid: 1, kind: 'exited', status: 3 }, output: 'b is not running\n' }, 'stop/waiting'],
    [{ exit: { pid: 1, kind: 'exited', status: 1 }, output: 'Usage: /etc/init.d/b {start|stop}\n' }, 'start/running'],
  ];
  for (const [answer, shown] of answers) {
    const h = harness({ '/etc/init.d/b start': ok, '/etc/init.d/b status': answer });
    await h.svc.run({ name: 'b', action: 'start', ...base });
    const s = (await h.svc.status('b'))!;
    assert.equal(`${s.status.goal}/${s.status.state}`, shown);
    assert.equal(s.status.instance, 'sysv');
  }
  const h = harness({ '/etc/init.d/b start': ok });
  await h.svc.run({ name: 'b', action: 'start', ...base });
  assert.equal((await h.svc.status('b', false))!.status.state, 'running');
  assert.equal(h.runs.length, 1, 'no status action run for a peer that may not change state');
  assert.equal(await h.svc.status('nosuch'), undefined);
});
