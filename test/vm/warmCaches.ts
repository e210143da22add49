// Makes the VM tests' slow inputs once, before the suite (.ci/run): Debian's kernel and the debootstrapped base, cached under /var/cache.
import { existsSync } from 'node:fs';
import { debianBase } from './debian/image.ts';
import { debianKernel } from './kernel.ts';
import { CACHE_DIR } from './image.ts';

const DEBIAN_CACHE = '/var/cache/upstart-ts';
const needed = ['/usr/bin/qemu-system-x86_64', '/usr/sbin/debootstrap', '/usr/bin/dpkg-deb', '/usr/bin/apt-get'];
const missing = needed.filter((t) => !existsSync(t));
if (process.getuid?.() !== 0 || missing.length > 0) {
  console.log(`warm-caches: skipped (${process.getuid?.() !== 0 ? 'not root' : `missing ${missing.join(', ')}`}); the VM tests say why they skip`);
} else {
  const started = Date.now();
  const kernel = debianKernel(CACHE_DIR);
  const base = debianBase(DEBIAN_CACHE);
  console.log(`warm-caches: kernel ${kernel.package}, Debian base ${base} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
