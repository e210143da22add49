// By hand: builds the VM image from this checkout and boots it with the console on this terminal (Ctrl-A X quits qemu). Usage: npx tsx test/vm/run.ts [INIT-ARG...]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, CACHE_DIR, kernelCommandLine, missingForVm } from './image.ts';

const why = missingForVm();
if (why) {
  console.error(`test/vm/run.ts: cannot boot a VM here: ${why}`);
  process.exit(1);
}
const work = join(CACHE_DIR, `run-${process.pid}`);
const image = await buildImage(work, [join(import.meta.dirname, 'guest')]);
console.error(`kernel ${image.kernel.package}; built in ${JSON.stringify(image.times)} s`);
const r = spawnSync('/usr/bin/qemu-system-x86_64', [
  '-accel', 'tcg', '-m', '768', '-nographic', '-no-reboot', '-nodefaults', '-serial', 'mon:stdio', '-nic', 'none',
  '-kernel', image.kernel.path, '-initrd', image.initrd, '-append', kernelCommandLine(process.argv.slice(2)),
], { stdio: 'inherit' });
rmSync(work, { recursive: true, force: true });
process.exit(r.status ?? 1);
