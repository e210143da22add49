// $NOTIFY_SOCKET: sd_notify datagrams parsed, the sender mapped to its job (own pid, cgroup, or ancestor), READY=1 reported.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotifyListener, ownerOf, parseNotify, type NotifyOwner } from '../../../src/daemon/notifySocket.ts';

const dir = mkdtempSync(join(tmpdir(), 'notify-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('parseNotify: KEY=VALUE lines, later keys win, junk ignored', () => {
  assert.deepEqual([...parseNotify('READY=1\nSTATUS=up and running\nnonsense\n=x\nREADY=0')], [['READY', '0'], ['STATUS', 'up and running']]);
});

test('ownerOf: the pid itself, else its cgroup, else the nearest ancestor a job owns; none past 32 generations or at the daemon', () => {
  const jobs = new Map<number, NotifyOwner>([[100, { job: 'svc', instance: '' }]]);
  const r = { byPid: (p: number) => jobs.get(p), byCgroup: (p: number) => (p === 7 ? { job: 'cg', instance: 'a' } : undefined) };
  const parents = new Map<number, number>([[300, 200], [200, 100], [400, process.pid], [500, 501]]);
  const parent = (p: number): number | undefined => parents.get(p) ?? (p > 500 && p < 600 ? p + 1 : undefined);
  assert.deepEqual(ownerOf(100, r, parent), { job: 'svc', instance: '' });
  assert.deepEqual(ownerOf(7, r, parent), { job: 'cg', instance: 'a' });
  assert.deepEqual(ownerOf(300, r, parent), { job: 'svc', instance: '' });
  assert.equal(ownerOf(400, r, parent), undefined);
  assert.equal(ownerOf(500, r, parent), undefined);
  assert.equal(ownerOf(999, r, parent), undefined);
});

test('the listener: READY=1 and STATUS= from a job process are reported; other fields, strangers and missing credentials are not', () => {
  const path = join(dir, 'n.sock');
  let deliver: (data: Buffer, sender: { pid: number }) => void = () => {};
  const ready: string[] = [];
  const statuses: string[] = [];
  const logs: string[] = [];
  const l = new NotifyListener({
    path,
    resolver: { byPid: (p) => (p === 42 ? { job: 'db', instance: 'main' } : undefined) },
    onReady: (o, pid) => ready.push(`${o.job}/${o.instance} ${pid}`),
    onStatus: (o, text) => statuses.push(`${o.job}/${o.instance} ${text}`),
    log: (level, msg) => logs.push(`${level} ${msg}`),
    open: (p, cb) => {
      deliver = cb;
      // Stands in for the bound socket file, so the chmod has something to act on.
      writeFileSync(String(p), '', { mode: 0o600 });
      return { close: () => rmSync(String(p), { force: true }), ref: () => {} };
    },
  });
  assert.equal(l.path, path);
  assert.equal(statSync(path).mode & 0o777, 0o666, 'jobs running as any user can send');
  deliver(Buffer.from('STATUS=starting\n'), { pid: 42 });
  deliver(Buffer.from('READY=1\nSTATUS=ok\n'), { pid: 42 });
  deliver(Buffer.from('READY=1'), { pid: 4242 });
  deliver(Buffer.from('READY=1'), { pid: -1 });
  assert.deepEqual(ready, ['db/main 42']);
  assert.deepEqual(statuses, ['db/main starting', 'db/main ok']);
  assert.equal(logs.length, 2);
  assert.match(logs[0]!, /^warn notify socket: READY=1 from pid 4242, which is not a job's process/);
  assert.match(logs[1]!, /without sender credentials/);
  l.close();
  assert.equal(existsSync(path), false);
});

test('the listener: WATCHDOG, WATCHDOG_USEC, EXTEND_TIMEOUT_USEC, STOPPING, RELOADING, MAINPID go to their callbacks; FDSTORE takes its fd, strays are closed', () => {
  const path = '@upstart-ts-notify-unit-n2';
  let deliver: (data: Buffer, sender: { pid: number; uid?: number; fds?: number[] }) => void = () => {};
  const seen: string[] = [];
  const closed: number[] = [];
  const l = new NotifyListener({
    path,
    resolver: { byPid: (p) => (p === 42 ? { job: 'db', instance: '' } : undefined) },
    onReady: () => seen.push('ready'),
    onWatchdog: (_o, w) => seen.push(`watchdog ${w.kind}${w.kind === 'interval' ? ` ${w.usec}` : ''}`),
    onState: (_o, s) => seen.push(`state ${s}`),
    onExtendTimeout: (_o, u) => seen.push(`extend ${u}`),
    onMainPid: (_o, p, from) => seen.push(`mainpid ${p} from ${from}`),
    onFdStore: (sender, op, name, fds) => { seen.push(`fdstore ${op} ${name} ${fds.join(',')} uid ${sender.uid}`); },
    closeFd: (fd) => closed.push(fd),
    log: (_level, msg) => seen.push(`log ${msg}`),
    open: (_p, cb) => { deliver = cb; return { close() {}, ref() {} }; },
  });
  deliver(Buffer.from('WATCHDOG=1\nWATCHDOG_USEC=500000\nEXTEND_TIMEOUT_USEC=3000000\nSTOPPING=1\nMAINPID=77'), { pid: 42 });
  deliver(Buffer.from('WATCHDOG=trigger\nRELOADING=1\nREADY=1'), { pid: 42 });
  deliver(Buffer.from('FDSTORE=1\nFDNAME=web'), { pid: 9, uid: 0, fds: [30] });
  deliver(Buffer.from('STATUS=x'), { pid: 42, fds: [31, 32] });
  deliver(Buffer.from('MAINPID=1'), { pid: 42 });
  l.close();
  assert.deepEqual(seen.filter((s) => !s.startsWith('log')), [
    'mainpid 77 from 42', 'state stopping', 'extend 3000000', 'watchdog interval 500000', 'watchdog ping',
    'state reloading', 'watchdog trigger', 'ready',
    'fdstore store web 30 uid 0',
  ]);
  assert.deepEqual(closed, [31, 32]);
  assert.ok(seen.some((s) => s.includes('bad MAINPID=1')));
});
