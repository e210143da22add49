// A debootstrapped Debian 12 with upstart-ts-init installed boots under qemu TCG to a getty with sshd, cron and rsyslog, and powers off clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDisk, buildInitrd, debianBase, kernelModules } from '../../vm/debian/image.ts';
import { debianKernel } from '../../vm/kernel.ts';
import { Vm } from '../../vm/qemu.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const CACHE = '/var/cache/upstart-ts';
const KERNEL_CACHE = '/var/cache/upstart-ts-vm';
const tools = ['/usr/bin/qemu-system-x86_64', '/usr/sbin/debootstrap', '/usr/sbin/mkfs.ext4', '/usr/sbin/fsck.ext4', '/bin/busybox', '/usr/bin/dpkg-deb', '/usr/sbin/chroot'];
const missing = tools.filter((t) => !existsSync(t));
const bins = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
const noMachineCommands = ['telinit', 'shutdown'].filter((c) => bins[c] === undefined && bins[`upstart-${c}`] === undefined);
const skip =
  process.getuid?.() !== 0 ? 'needs root (debootstrap, chroot)'
    : missing.length > 0 ? `missing ${missing.join(', ')} (.ci/run installs them)`
      : noMachineCommands.length > 0 ? `upstart-ts has no ${noMachineCommands.join(' or ')} command yet: the guest cannot reach a runlevel or power off`
        : false;

/** Run once the runlevel's scripts are done: what the test reads off the console, then the power-off under test. */
const CHECK_JOB = `# vm-check - the Debian boot test's probe: reports what runs, then shuts the machine down
# Its lines go to the kernel log (printed on the console): the getty on ttyS0 hangs up the tty itself.
start on stopped rc RUNLEVEL=2
task
script
    # Each line ends with " ." so that a console line read before its end never matches.
    say() { while read -r line; do echo "VMCHECK $1$line ." > /dev/kmsg; done; }
    echo "$(cat /proc/1/comm)" | say "pid1 "
    findmnt -no OPTIONS / | say "root "
    for i in $(seq 60); do pgrep -x 'a?getty' >/dev/null && pgrep -x sshd >/dev/null && pgrep -x rsyslogd >/dev/null && break; sleep 0.5; done
    for p in sshd cron rsyslogd 'a?getty'; do pgrep -x "$p" >/dev/null && echo "running $p" || echo "missing $p"; done | say ""
    initctl list | say "list "
    service --status-all 2>&1 | say "service "
    echo shutdown | say ""
    exec shutdown -h now
end script
`;

/** The linux-image package the VM's kernel came from, downloaded once for its modules. */
function kernelDeb(pkg: string): string {
  const dir = join(CACHE, 'kernel-debs');
  mkdirSync(dir, { recursive: true });
  const find = (): string | undefined => readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (find() === undefined) {
    const [name, version] = pkg.split('_');
    execFileSync('/usr/bin/apt-get', ['download', '-q', `${name}=${version}`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const deb = find();
  if (deb === undefined) throw new Error(`apt-get download ${pkg} left no .deb in ${dir}`);
  return join(dir, deb);
}

test('debian: a Debian 12 with upstart-ts-init boots to a getty with sshd, cron, rsyslog, and shutdown -h now powers it off clean', { skip, timeout: 1_200_000 }, async (t) => {
  mkdirSync(CACHE, { recursive: true }); // a fresh machine has no cache yet
  const work = mkdtempSync(join(CACHE, 'debian-boot-'));
  try {
    const kernel = debianKernel(KERNEL_CACHE);
    const base = debianBase(CACHE);
    const modules = kernelModules(kernelDeb(kernel.package), join(CACHE, `modules-${kernel.package}`), base);
    execFileSync(process.execPath, ['scripts/package-deb.mjs', '--out', work], { cwd: root, env: { ...process.env, UPSTART_TS_DEB_COMPRESS: 'gzip' }, stdio: ['ignore', 'ignore', 'pipe'] });
    // upstart-ts first: upstart-ts-init pre-depends on it.
    const debs = readdirSync(work).filter((f) => f.endsWith('.deb')).sort((a, b) => Number(a.startsWith('upstart-ts-init_')) - Number(b.startsWith('upstart-ts-init_'))).map((f) => join(work, f));
    const disk = buildDisk({ base, modules, debs, work, files: { '/etc/init/vm-check.conf': CHECK_JOB } });
    const initrd = buildInitrd(modules, work);

    const vm = new Vm({
      kernel: kernel.path,
      initrd,
      append: 'console=ttyS0 root=/dev/vda ro panic=-1 no_timer_check printk.devkmsg=on',
      memoryMiB: 1024,
      drives: [disk],
      consoleLog: join(work, 'console.log'),
    });
    try {
      await vm.waitFor(/initrd: switching to \/sbin\/init/, 120_000);
      const pid1 = await vm.waitFor(/VMCHECK pid1 (\S+) \.$/, 240_000);
      const booted = pid1.line.at;
      assert.equal(pid1.match[1], 'init');
      const rootOpts = await vm.waitFor(/VMCHECK root (\S+) \.$/, 10_000);
      assert.match(rootOpts.match[1]!, /^rw\b/);
      for (const p of ['sshd', 'cron', 'rsyslogd', 'a\\?getty']) await vm.waitFor(new RegExp(`VMCHECK running ${p} \\.$`), 120_000, pid1.index);
      await vm.waitFor(/VMCHECK list ttyS0 start\/running, process \d+/, 60_000, pid1.index);
      await vm.waitFor(/VMCHECK service \s*\[ \+ \]\s+(ssh|cron)/, 60_000, pid1.index);
      const down = await vm.waitFor(/VMCHECK shutdown \.$/, 60_000, pid1.index);
      // The deadline's timer is cleared once qemu exits: a pending one would keep the test file alive for 180 s.
      let deadline: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, rej) => { deadline = setTimeout(() => rej(new Error(`qemu still running 180 s after shutdown:\n${vm.tail(40)}`)), 180_000); });
      const exit = await Promise.race([vm.exited, late]).finally(() => clearTimeout(deadline));
      assert.equal(exit.code, 0, vm.tail(40));
      t.diagnostic(`boot to the probe ${booted.toFixed(1)} s, power-off ${(exit.at - down.line.at).toFixed(1)} s after shutdown -h now (TCG)`);
    } finally {
      vm.kill();
    }
    // A clean unmount leaves nothing for fsck to mend.
    execFileSync('/usr/sbin/fsck.ext4', ['-fn', disk], { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
