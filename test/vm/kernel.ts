// The VM's kernel: Debian's current linux-image-amd64 dependency, fetched with apt-get download, unpacked to an uncompressed vmlinux and cached.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Kernel {
  /** The file qemu boots: an uncompressed vmlinux (PVH entry), or the vmlinuz if it could not be unpacked. */
  path: string;
  /** The Debian package it came from, e.g. linux-image-6.1.0-57-amd64_6.1.192-3. */
  package: string;
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The package and version linux-image-amd64 depends on now (e.g. linux-image-6.1.0-57-amd64, 6.1.192-3), from apt's lists in one look-up. */
function currentImagePackage(): { pkg: string; version: string } {
  const out = sh('/usr/bin/apt-cache', ['show', '--no-all-versions', 'linux-image-amd64']);
  const m = /^Depends:.*?\b(linux-image-[0-9]\S*)\s*\(=\s*([^)\s]+)\)/m.exec(out);
  if (!m) throw new Error(`apt-cache show linux-image-amd64 names no linux-image package with a version:\n${out}`);
  return { pkg: m[1]!, version: m[2]! };
}

/** A kernel already unpacked in `cacheDir`, newest name first; for when apt cannot answer. */
function cachedKernel(cacheDir: string): Kernel | undefined {
  if (!existsSync(cacheDir)) return undefined;
  const dirs = readdirSync(cacheDir).filter((d) => d.startsWith('linux-image-') && existsSync(join(cacheDir, d, 'kernel'))).sort().reverse();
  if (dirs.length === 0) return undefined;
  return readKernel(join(cacheDir, dirs[0]!), dirs[0]!);
}

function readKernel(dir: string, name: string): Kernel {
  // Relative to the directory (older caches hold an absolute path).
  return { path: resolve(dir, readFileSync(join(dir, 'kernel'), 'utf8').trim()), package: name };
}

/**
 * A bzImage's payload is one compressed vmlinux (Debian's: xz). Booting the uncompressed ELF
 * through its PVH entry skips decompression, which under TCG takes seconds.
 */
function unpackVmlinux(vmlinuz: string, out: string): boolean {
  const data = readFileSync(vmlinuz);
  const at = data.indexOf(XZ_MAGIC);
  if (at < 0) return false;
  try {
    const elf = execFileSync('/usr/bin/xz', ['-dc', '--single-stream'], { input: data.subarray(at), maxBuffer: 512 << 20 });
    if (elf.subarray(0, 4).toString('latin1') !== '\x7fELF') return false;
    writeFileSync(out, elf);
    return true;
  } catch {
    return false;
  }
}

/** Downloads (once) and unpacks Debian's kernel into cacheDir/PACKAGE_VERSION/. */
export function debianKernel(cacheDir: string): Kernel {
  mkdirSync(cacheDir, { recursive: true });
  let pkg: string;
  let version: string;
  try {
    ({ pkg, version } = currentImagePackage());
  } catch (err) {
    const cached = cachedKernel(cacheDir);
    if (cached) return cached;
    throw err;
  }
  const name = `${pkg}_${version}`;
  const dir = join(cacheDir, name);
  const done = join(dir, 'kernel');
  if (existsSync(done)) return readKernel(dir, name);

  // Another test run may fetch the same kernel at the same time: each unpacks apart, the first rename wins.
  const work = `${dir}.${process.pid}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // apt's sandbox user cannot write here; it says so on stderr and downloads as root.
  sh('/usr/bin/apt-get', ['download', '-q', `${pkg}=${version}`], work);
  const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${work}`);
  execFileSync('/bin/sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x ./boot', 'sh', deb], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  const vmlinuzName = readdirSync(join(work, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuzName) throw new Error(`${deb} holds no boot/vmlinuz-*`);
  rmSync(join(work, deb));
  const vmlinuz = join('boot', vmlinuzName);
  const file = unpackVmlinux(join(work, vmlinuz), join(work, 'vmlinux')) ? 'vmlinux' : vmlinuz;
  // `kernel` names the file to boot, relative to the directory; once it is there, the directory is whole.
  writeFileSync(join(work, 'kernel'), `${file}\n`);
  try {
    renameSync(work, dir);
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(done)) throw err;
  }
  return readKernel(dir, name);
}
