// npm's preinstall: the links `npm pack` leaves out (bin/initctl and its aliases) put back, then the C part built, before npm links the commands.
// From a checkout the links are in git already; from the registry's tarball they are not (npm packs no symbolic links),
// and `prepare` does not run there, so without this the package had no initctl and no addon (docs/decisions.md).
import { spawnSync } from 'node:child_process';
import { lstatSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * bin/NAME -> target: initctl is the C client built below; the aliases are initctl under Upstart's other names
 * (src/control/aliases.ts LINK_NAMES; test/integration/npmPackage.test.ts checks an install has them all).
 */
const LINKS = {
  initctl: '../native/build/Release/initctl',
  start: 'initctl',
  stop: 'initctl',
  restart: 'initctl',
  reload: 'initctl',
  status: 'initctl',
};

function present(path) {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

for (const [name, target] of Object.entries(LINKS)) {
  const path = join(root, 'bin', name);
  if (!present(path)) symlinkSync(target, path);
}

// node-gyp is on PATH in npm's scripts (npm's own copy).
const r = spawnSync('node-gyp', ['rebuild', '--directory', 'native'], { cwd: root, stdio: 'inherit' });
if (r.error) {
  process.stderr.write(`upstart-ts: cannot run node-gyp (${r.error.message}); it comes with npm: install with npm\n`);
  process.exit(1);
}
process.exit(r.status ?? 1);
