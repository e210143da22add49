// Everything a VM boot needs (kernel, initramfs, command line), built from this checkout, with the reasons it cannot be when a tool is missing.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { debianKernel, type Kernel } from './kernel.ts';
import { appArchive, baseArchive, concatArchives, REPO, staticBusybox } from './initramfs.ts';

/** Kernel downloads and the base archive (node is ~100 MB) are kept here between runs. */
export const CACHE_DIR = '/var/cache/upstart-ts-vm';

/** Why a VM cannot be booted here ('' when it can). */
export function missingForVm(): string {
  // A run that cannot afford a VM boot may skip it, with its reason (UPSTART_TS_VM_SKIP=REASON).
  if (process.env.UPSTART_TS_VM_SKIP) return process.env.UPSTART_TS_VM_SKIP;
  if (process.getuid?.() !== 0) return 'needs root (the cache in /var/cache, apt-get download)';
  for (const [tool, pkg] of [
    ['/usr/bin/qemu-system-x86_64', 'qemu-system-x86'],
    ['/usr/bin/cpio', 'cpio'],
    ['/usr/bin/apt-get', 'apt'],
    ['/usr/bin/dpkg-deb', 'dpkg'],
    ['/usr/bin/xz', 'xz-utils'],
    ['/usr/bin/ldd', 'libc-bin'],
  ] as const) {
    if (!existsSync(tool)) return `needs ${tool} (Debian package ${pkg})`;
  }
  if (staticBusybox() === undefined) return 'needs a statically linked busybox (Debian package busybox-static)';
  for (const f of ['dist/bundle/upstart.cjs', 'native/build/Release/upstart_native.node', 'bin/initctl']) {
    if (!existsSync(join(REPO, f))) return `needs ${f} (npm ci builds it)`;
  }
  return '';
}

export interface VmImage {
  kernel: Kernel;
  initrd: string;
  /** Seconds each part took: kernel (download/unpack or cache), base archive, app archive. */
  times: { kernel: number; base: number; app: number };
}

/**
 * Builds the image in workDir: the cached kernel and base, a fresh app archive with
 * examples/machine and `extraJobDirs` as /etc/init, concatenated into workDir/initrd.cpio.
 */
export async function buildImage(workDir: string, extraJobDirs: string[] = [], files: Record<string, string> = {}): Promise<VmImage> {
  mkdirSync(workDir, { recursive: true });
  const t0 = performance.now();
  const kernel = debianKernel(CACHE_DIR);
  const t1 = performance.now();
  const base = baseArchive(CACHE_DIR, staticBusybox()!, process.execPath);
  const t2 = performance.now();
  const app = appArchive(workDir, {
    jobDirs: [join(REPO, 'examples/machine'), ...extraJobDirs],
    files: { 'etc/hostname': 'upstart-vm\n', 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n', 'etc/group': 'root:x:0:\ntty:x:5:\n', ...files },
  });
  const initrd = join(workDir, 'initrd.cpio');
  await concatArchives(initrd, [base, app]);
  const t3 = performance.now();
  return { kernel, initrd, times: { kernel: (t1 - t0) / 1000, base: (t2 - t1) / 1000, app: (t3 - t2) / 1000 } };
}

/**
 * The kernel command line: the serial console, our init from the initramfs, power off rather
 * than hang on a panic; `quiet` keeps the kernel's own messages off the console (they and the
 * daemon's stay in dmesg). `no_timer_check`: under TCG on a loaded host the kernel's IO-APIC timer
 * check can miss its ticks and panic ("IO-APIC + timer doesn't work!", seen at load 11).
 * Words after `--` are init's arguments.
 */
export function kernelCommandLine(initArgs: string[] = []): string {
  return ['console=ttyS0', 'rdinit=/sbin/init', 'panic=-1', 'no_timer_check', 'quiet', 'printk.devkmsg=on', ...(initArgs.length ? ['--', ...initArgs] : [])].join(' ');
}
