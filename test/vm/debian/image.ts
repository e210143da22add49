// A Debian 12 disk image booting upstart-ts: debootstrap minbase (cached), the two packages installed with dpkg, ext4 by mkfs.ext4 -d.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

/** What the base system holds beside minbase: the services the boot test expects, and what the jobs call. */
export const DEBIAN_PACKAGES = ['openssh-server', 'cron', 'rsyslog', 'ifupdown', 'procps', 'kmod', 'e2fsprogs', 'util-linux', 'iproute2', 'netbase'];
const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';

function sh(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): string {
  return execFileSync(cmd, args, { ...opts, encoding: 'utf8', stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** The debootstrapped base, made once into cacheDir (about 4 minutes and 200 MiB) and reused. */
export function debianBase(cacheDir: string): string {
  const base = join(cacheDir, `debian-${SUITE}-minbase`);
  if (existsSync(join(base, '.complete'))) return base;
  const work = `${base}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  sh('/usr/sbin/debootstrap', ['--variant=minbase', `--include=${DEBIAN_PACKAGES.join(',')}`, SUITE, work, MIRROR]);
  rmSync(join(work, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
  mkdirSync(join(work, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
  writeFileSync(join(work, '.complete'), `${SUITE} ${DEBIAN_PACKAGES.join(' ')}\n`);
  rmSync(base, { recursive: true, force: true });
  renameSync(work, base);
  return base;
}

/** The kernel's modules (lib/modules/VERSION of its package) and the ones an initramfs needs to mount a virtio ext4 root. */
export interface Modules {
  version: string;
  /** A tree holding lib/modules/VERSION with modules.dep. */
  tree: string;
}

/** Unpacks lib/modules of a linux-image .deb into dir (once) and runs depmod on it with the base's kmod. */
export function kernelModules(deb: string, dir: string, base: string): Modules {
  const done = join(dir, '.complete');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('/bin/sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x ./lib/modules', 'sh', deb], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const version = readdirSync(join(dir, 'lib', 'modules'))[0]!;
    // The base's kmod, called as depmod (its links are absolute, into the base): the host need not have kmod.
    const r = spawnSync(join(base, 'usr', 'bin', 'kmod'), ['-b', dir, version], { argv0: 'depmod', encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`depmod -b ${dir} ${version} failed: ${r.stderr ?? r.error}`);
    writeFileSync(done, `${version}\n`);
  }
  return { version: readFileSync(done, 'utf8').trim(), tree: dir };
}

/** The modules of names and everything they depend on, as paths relative to lib/modules/VERSION. */
export function moduleClosure(m: Modules, names: string[]): string[] {
  const dep = readFileSync(join(m.tree, 'lib', 'modules', m.version, 'modules.dep'), 'utf8');
  const deps = new Map<string, string[]>();
  for (const line of dep.split('\n')) {
    const [mod, rest] = line.split(':');
    if (mod && rest !== undefined) deps.set(mod, rest.trim().split(/\s+/).filter(Boolean));
  }
  const byName = new Map([...deps.keys()].map((p) => [p.replace(/^.*\//, '').replace(/\.ko(\.xz)?$/, '').replace(/-/g, '_'), p]));
  const out = new Set<string>();
  const visit = (p: string): void => {
    if (out.has(p)) return;
    for (const d of deps.get(p) ?? []) visit(d);
    out.add(p);
  };
  for (const n of names) {
    const p = byName.get(n);
    if (p === undefined) throw new Error(`kernel ${m.version} has no module ${n}`);
    visit(p);
  }
  return [...out];
}

export interface ImageOptions {
  base: string;
  modules: Modules;
  /** The upstart-ts and upstart-ts-init packages, installed in this order. */
  debs: string[];
  /** Extra files for the guest, path → text (e.g. /etc/init/vm-check.conf). */
  files: Record<string, string>;
  work: string;
  sizeMiB?: number;
}

/** A copy of the base with the kernel's modules, the packages and the files, then an ext4 image of it. Returns the image path. */
export function buildDisk(o: ImageOptions): string {
  const root = join(o.work, 'root');
  rmSync(root, { recursive: true, force: true });
  // cp -a: the base holds device nodes, which fs.cpSync cannot copy.
  sh('/bin/cp', ['-a', o.base, root]);
  sh('/bin/cp', ['-a', join(o.modules.tree, 'lib', 'modules'), join(root, 'lib')]);
  const tmp = join(root, 'tmp', 'debs');
  mkdirSync(tmp, { recursive: true });
  for (const d of o.debs) cpSync(d, join(tmp, d.replace(/^.*\//, '')));
  // One dpkg -i per package, in the order given: upstart-ts-init pre-depends on upstart-ts.
  for (const d of o.debs) sh('/usr/sbin/chroot', [root, '/usr/bin/dpkg', '-i', `/tmp/debs/${d.replace(/^.*\//, '')}`]);
  rmSync(tmp, { recursive: true, force: true });
  const files: Record<string, string> = {
    '/etc/fstab': '/dev/vda / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs nosuid,nodev 0 0\n',
    '/etc/hostname': 'upstart-vm\n',
    '/etc/network/interfaces': 'auto lo\niface lo inet loopback\n',
    ...o.files,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  // A root login without a password on the console, for a person looking at a failed boot.
  sh('/usr/sbin/chroot', [root, '/usr/bin/passwd', '-d', 'root']);
  const disk = join(o.work, 'disk.ext4');
  rmSync(disk, { force: true });
  sh('/usr/sbin/mkfs.ext4', ['-q', '-F', '-L', 'debian', '-d', root, disk, `${o.sizeMiB ?? 1024}M`]);
  rmSync(root, { recursive: true, force: true });
  return disk;
}

/** An initramfs: static busybox, the modules a virtio ext4 root needs, and an /init that mounts /dev/vda and switches to its /sbin/init. */
export function buildInitrd(m: Modules, work: string): string {
  const dir = join(work, 'initrd');
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['bin', 'dev', 'proc', 'sys', 'newroot']) mkdirSync(join(dir, d), { recursive: true });
  cpSync('/bin/busybox', join(dir, 'bin', 'busybox'));
  const mods = moduleClosure(m, ['virtio_pci', 'virtio_blk', 'ext4', 'crc32c_generic']);
  const modDir = join(dir, 'lib', 'modules', m.version);
  mkdirSync(modDir, { recursive: true });
  for (const p of mods) {
    mkdirSync(join(modDir, p, '..'), { recursive: true });
    cpSync(join(m.tree, 'lib', 'modules', m.version, p), join(modDir, p));
  }
  const init = [
    '#!/bin/busybox sh',
    '/bin/busybox --install -s /bin',
    'export PATH=/bin',
    'mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev',
    ...mods.map((p) => `insmod /lib/modules/${m.version}/${p} 2>/dev/null`),
    'for i in $(seq 100); do [ -b /dev/vda ] && break; sleep 0.1; done',
    'mount -o ro -t ext4 /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; exec sh; }',
    'umount /proc /sys; mount --move /dev /newroot/dev',
    'echo "initrd: switching to /sbin/init on /dev/vda"',
    'exec switch_root /newroot /sbin/init',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'init'), init);
  chmodSync(join(dir, 'init'), 0o755);
  const out = join(work, 'initrd.cpio');
  execFileSync('/bin/sh', ['-c', 'find . | cpio -o -H newc --quiet > "$1"', 'sh', out], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  rmSync(dir, { recursive: true, force: true });
  return out;
}
