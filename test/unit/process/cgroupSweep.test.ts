// CgroupTree over a fake cgroup v2 tree: directories per instance, sweeps of sub-cgroups, kills, release and close, without root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CgroupTree } from '../../../src/process/cgroupTree.ts';
import { FakeCgroupFs } from './fakeCgroupFs.ts';

const MOUNT = '/sys/fs/cgroup';
const OWN = { mount: MOUNT, path: '/system.slice/upstart.service' };
const BASE = `${MOUNT}${OWN.path}/upstart`;
const DAEMON = 1;

function tree(fs = new FakeCgroupFs(`${MOUNT}${OWN.path}`), logs: string[] = []): { fs: FakeCgroupFs; t: CgroupTree; logs: string[] } {
  const t = CgroupTree.create('upstart', (level, msg) => logs.push(`${level}: ${msg}`), OWN, fs.sys(DAEMON));
  assert.ok(t instanceof CgroupTree, JSON.stringify(t));
  return { fs, t, logs };
}

test('create makes the base in the daemon\'s cgroup, or says why it cannot', () => {
  const { fs, t } = tree();
  assert.equal(t.dir, BASE);
  assert.equal(t.path, `${OWN.path}/upstart`);
  assert.ok(fs.isDir(BASE));
  const denied = new FakeCgroupFs(`${MOUNT}${OWN.path}`);
  denied.mkdirFails.set(BASE, 'EACCES');
  const r = CgroupTree.create('upstart', () => {}, OWN, denied.sys(DAEMON));
  assert.ok(!(r instanceof CgroupTree) && r.mounted && r.why.startsWith(`cannot create ${BASE}: EACCES`), JSON.stringify(r));
});

test('each instance gets its own directory; ownerOf maps paths (and sub-cgroups) back to it', () => {
  const { fs, t } = tree();
  assert.equal(t.dirFor('a-b', ''), `${BASE}/a-b`);
  assert.equal(t.dirFor('a', 'b'), `${BASE}/a@b`);
  assert.equal(t.dirFor('net/apache', ''), `${BASE}/net%2Fapache`);
  assert.equal(t.dirFor('net_apache', ''), `${BASE}/net_apache`);
  assert.equal(t.dirFor('a', 'b'), `${BASE}/a@b`, 'made again: the same directory');
  fs.mkdir(`${BASE}/a@b/worker`);
  assert.deepEqual(t.ownerOf(`${OWN.path}/upstart/a@b/worker`), { job: 'a', instance: 'b' });
  assert.deepEqual(t.ownerOf(`${OWN.path}/upstart/net%2Fapache`), { job: 'net/apache', instance: '' });
  assert.equal(t.ownerOf(`${OWN.path}/upstart/unknown`), undefined);
  assert.equal(t.ownerOf('/elsewhere/a-b'), undefined);
});

test('a directory that cannot be made is logged and the instance runs without one', () => {
  const { fs, t, logs } = tree();
  fs.mkdirFails.set(`${BASE}/big`, 'ENOSPC');
  assert.equal(t.dirFor('big', ''), undefined);
  assert.match(logs.join('\n'), /warn: big: no cgroup of its own \(ENOSPC/);
});

test('pids sweeps the instance\'s sub-cgroups and never lists the daemon', () => {
  const { fs, t } = tree();
  t.dirFor('web', '');
  fs.mkdir(`${BASE}/web/workers`);
  fs.mkdir(`${BASE}/web/workers/deep`);
  fs.addProcess(100, `${BASE}/web`);
  fs.addProcess(101, `${BASE}/web/workers`);
  fs.addProcess(102, `${BASE}/web/workers/deep`);
  fs.addProcess(DAEMON, `${BASE}/web`);
  t.dirFor('other', '');
  fs.addProcess(200, `${BASE}/other`);
  assert.deepEqual(t.pids('web', '').sort(), [100, 101, 102]);
  assert.deepEqual(t.stats('web', ''), { path: `${OWN.path}/upstart/web`, pids: t.pids('web', ''), cpuUsec: 0 });
  assert.equal(t.stats('never-made', ''), undefined);
});

test('kill KILL uses cgroup.kill on the instance only: the job whose name used to collide keeps running', () => {
  const { fs, t } = tree();
  t.dirFor('a-b', '');
  t.dirFor('a', 'b');
  fs.addProcess(10, `${BASE}/a-b`);
  fs.addProcess(11, `${BASE}/a-b`);
  fs.addProcess(20, `${BASE}/a@b`);
  assert.equal(t.kill('a-b', '', 'KILL'), -1);
  assert.deepEqual(fs.signals, [{ pid: 10, signal: 'KILL', via: 'cgroup.kill' }, { pid: 11, signal: 'KILL', via: 'cgroup.kill' }]);
  assert.ok(fs.alive(20));
  assert.equal(t.release('a-b', ''), true);
  assert.equal(fs.isDir(`${BASE}/a-b`), false);
  assert.ok(fs.isDir(`${BASE}/a@b`));
});

test('other signals, and KILL before Linux 5.14, go one by one to every live pid but the daemon', () => {
  const { fs, t } = tree();
  t.dirFor('svc', '');
  fs.mkdir(`${BASE}/svc/sub`);
  fs.addProcess(30, `${BASE}/svc`);
  fs.addProcess(31, `${BASE}/svc/sub`);
  fs.addProcess(DAEMON, `${BASE}/svc`);
  assert.equal(t.kill('svc', '', 'TERM'), 2);
  assert.deepEqual(fs.signals.map((s) => `${s.pid} ${s.signal} ${s.via}`), ['30 TERM kill', '31 TERM kill']);
  fs.hasKill = false;
  fs.addProcess(32, `${BASE}/svc/sub`);
  assert.equal(t.kill('svc', '', 'KILL'), 1);
  assert.deepEqual(fs.signals.at(-1), { pid: 32, signal: 'KILL', via: 'kill' });
  assert.ok(fs.alive(DAEMON));
});

test('release keeps a directory that still has processes (EBUSY) and reuses it; close removes what is empty', () => {
  const { fs, t } = tree();
  t.dirFor('busy', '');
  t.dirFor('idle', 'x');
  fs.addProcess(40, `${BASE}/busy`);
  assert.equal(t.release('busy', ''), false);
  assert.equal(t.dirFor('busy', ''), `${BASE}/busy`);
  t.close();
  assert.ok(fs.isDir(`${BASE}/busy`), 'a cgroup with a process stays');
  assert.equal(fs.isDir(`${BASE}/idle@x`), false);
  assert.ok(fs.isDir(BASE), 'the base stays while a child does');
  fs.sys(DAEMON).kill(40, 'KILL');
  t.close();
  assert.equal(fs.isDir(BASE), false);
});

test('a later spawn of an instance whose directory is made and not released reuses it without a mkdir (respawn); after release it is made again', () => {
  const { fs, t } = tree();
  assert.equal(t.dirFor('r', ''), `${BASE}/r`);
  // A mkdir now would fail: the second call must not make one.
  fs.mkdirFails.set(`${BASE}/r`, 'EACCES');
  assert.equal(t.dirFor('r', ''), `${BASE}/r`);
  fs.mkdirFails.delete(`${BASE}/r`);
  assert.equal(t.release('r', ''), true);
  assert.equal(fs.isDir(`${BASE}/r`), false);
  assert.equal(t.dirFor('r', ''), `${BASE}/r`);
  assert.ok(fs.isDir(`${BASE}/r`), 'made again after its release');
});
