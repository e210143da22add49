// Tests for container-mode detection: the flags win, then each hint, in order; the PID namespace inode rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { detectContainerMode, INITIAL_PID_NS, pid1CgroupBase, type ContainerProbes } from '../../../src/daemon/containerMode.ts';

function probes(over: { env?: Record<string, string>; files?: string[]; cgroup?: string; ns?: string } = {}): ContainerProbes {
  return {
    env: over.env ?? {},
    exists: (p) => (over.files ?? []).includes(p),
    readText: (p) => (p === '/proc/self/cgroup' ? over.cgroup : undefined),
    readLink: (p) => (p === '/proc/self/ns/pid' ? over.ns : undefined),
  };
}

test('the flags decide whatever is found', () => {
  const all = probes({ env: { container: 'docker' }, files: ['/.dockerenv'], ns: 'pid:[4026532999]' });
  assert.deepEqual(detectContainerMode(false, true, all), { container: false, why: '--no-container given' });
  assert.deepEqual(detectContainerMode(true, false, probes({ ns: INITIAL_PID_NS })), { container: true, why: '--container given' });
});

test('not PID 1: only --container makes a container init', () => {
  const r = detectContainerMode(undefined, false, probes({ env: { container: 'podman' }, files: ['/.dockerenv'] }));
  assert.equal(r.container, false);
  assert.match(r.why, /not PID 1/);
});

test('each hint alone, as PID 1, and the reason it gives', () => {
  const machine = { ns: INITIAL_PID_NS, cgroup: '0::/init.scope\n' };
  const cases: Array<[Parameters<typeof probes>[0], RegExp]> = [
    [{ ...machine, env: { container: 'podman' } }, /^container=podman in the environment$/],
    [{ ...machine, env: { container: '' } }, /^container= in the environment$/],
    [{ ...machine, files: ['/.dockerenv'] }, /^\/\.dockerenv exists$/],
    [{ ...machine, files: ['/run/.containerenv'] }, /^\/run\/\.containerenv exists$/],
    [{ ...machine, env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' } }, /Kubernetes/],
    [{ ...machine, cgroup: '12:pids:/docker/0123abcd\n0::/docker/0123abcd\n' }, /cgroup names docker$/],
    [{ ...machine, cgroup: '0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-ab12.scope\n' }, /cgroup names kubepods$/],
    [{ ...machine, cgroup: '0::/machine.slice/libpod-5f3e.scope/container\n' }, /cgroup names libpod$/],
    [{ ...machine, cgroup: '0::/system.slice/crio-7a.scope\n' }, /cgroup names crio$/],
    [{ cgroup: '0::/\n', ns: 'pid:[4026532417]' }, /PID namespace that is not the machine's first \(pid:\[4026532417\]\)/],
  ];
  for (const [p, why] of cases) {
    const r = detectContainerMode(undefined, true, probes(p));
    assert.equal(r.container, true, JSON.stringify(p));
    assert.match(r.why, why);
  }
});

test('a machine: the first PID namespace, no hint; or no /proc yet (early boot)', () => {
  for (const p of [{ ns: INITIAL_PID_NS, cgroup: '0::/init.scope\n' }, {}, { ns: 'garbage' }]) {
    const r = detectContainerMode(undefined, true, probes(p));
    assert.equal(r.container, false, JSON.stringify(p));
    assert.match(r.why, /no container hint/);
  }
  // A word that merely contains a runtime's name is not one.
  assert.equal(detectContainerMode(undefined, true, probes({ ns: INITIAL_PID_NS, cgroup: '0::/user.slice/mydockerfile-tool.scope\n' })).container, false);
});

test('this machine: the test runner is either in the first PID namespace or not, and the link says which', () => {
  const link = readlinkSync('/proc/self/ns/pid');
  assert.match(link, /^pid:\[\d+\]$/);
  // Namespaces made later get numbers from 0xF0000000 up, above the fixed first one.
  const n = Number(/\d+/.exec(link)![0]);
  assert.ok(link === INITIAL_PID_NS || n >= 0xf0000000, link);
});

test('PID 1 job cgroups: `upstart` on a machine, named by the PID namespace in another', () => {
  assert.equal(pid1CgroupBase(INITIAL_PID_NS), 'upstart');
  assert.equal(pid1CgroupBase(undefined), 'upstart');
  assert.equal(pid1CgroupBase('pid:[4026532417]'), 'upstart.pidns-4026532417');
});
