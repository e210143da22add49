// The VM's initramfs: a cached base (static busybox, node and its libraries) plus a fresh part (this checkout of upstart-ts as /sbin/init, the job files).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const REPO = resolve(import.meta.dirname, '../..');
const BASE_LAYOUT = 2;

/** Whether an ELF file asks for a program interpreter (a dynamic executable); busybox must not. */
export function isDynamicElf(path: string): boolean {
  const b = readFileSync(path);
  if (b.length < 64 || b.toString('latin1', 0, 4) !== '\x7fELF' || b[4] !== 2) return true;
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) return true;
  return false;
}

/** A statically linked busybox on this machine (package busybox-static), or undefined. */
export function staticBusybox(): string | undefined {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (existsSync(p) && !isDynamicElf(realpathSync(p))) return realpathSync(p);
  }
  return undefined;
}

/** The shared objects `ldd` names for an executable, with the interpreter: absolute paths as the guest must see them. */
export function sharedLibraries(exe: string): string[] {
  const out = execFileSync('/usr/bin/ldd', [exe], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

/** `find . | cpio -o -H newc` of a directory, every file owned by root; not `.` itself (the guest's / keeps its mode). */
function cpioOf(dir: string, out: string): void {
  execFileSync('/bin/sh', ['-c', 'find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet > "$1"', 'sh', out], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function put(root: string, guestPath: string, from: string, mode?: number): void {
  const to = join(root, guestPath);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  if (mode !== undefined) chmodSync(to, mode);
}

/**
 * Copies a tree with every symlink replaced by what it points at. Not cpSync's `dereference`:
 * Node 24 copies a link inside the tree as an absolute link to its target (seen with 24.22.3),
 * which names a file of this machine that the guest does not have (`initctl: not found`).
 */
function copyResolved(from: string, to: string): void {
  const real = realpathSync(from);
  if (statSync(real).isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) copyResolved(join(from, name), join(to, name));
  } else {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(real, to);
    chmodSync(to, statSync(real).mode & 0o7777);
  }
}

function link(root: string, guestPath: string, target: string): void {
  const at = join(root, guestPath);
  mkdirSync(dirname(at), { recursive: true });
  rmSync(at, { force: true });
  symlinkSync(target, at);
}

/**
 * The base archive, rebuilt only when busybox or node change: /bin holds every busybox applet (so
 * our /sbin commands come first on a job's PATH), /usr/bin/node with the libraries ldd names.
 */
export function baseArchive(cacheDir: string, busybox: string, node: string): string {
  // Bump BASE_LAYOUT when what goes into the base changes, so a cached one is not reused.
  const key = createHash('sha256').update(`layout ${BASE_LAYOUT}\n`);
  for (const f of [busybox, node]) {
    const st = statSync(f);
    key.update(`${f}:${st.size}:${st.mtimeMs}\n`);
  }
  const libs = sharedLibraries(node);
  key.update(libs.join('\n'));
  const out = join(cacheDir, `base-${key.digest('hex').slice(0, 16)}.cpio`);
  if (existsSync(out)) return out;
  const root = mkdtempSync(join(cacheDir, 'base-stage-'));
  try {
    put(root, 'bin/busybox', busybox, 0o755);
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
    for (const a of applets) link(root, `bin/${a}`, 'busybox');
    link(root, 'usr/bin/env', '../../bin/busybox');
    // Without its symbols node is 12 MB smaller: less for the kernel to unpack under TCG.
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    try {
      execFileSync('/usr/bin/strip', ['-o', join(root, 'usr/bin/node'), node], { stdio: 'ignore' });
    } catch {
      put(root, 'usr/bin/node', node, 0o755);
    }
    for (const lib of libs) put(root, lib.slice(1), realpathSync(lib));
    for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'root', 'sbin', 'usr/sbin', 'var/log', 'etc']) mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    // Another test run may build the same base at the same time: each writes its own file, the last rename wins.
    cpioOf(root, `${out}.${process.pid}.new`);
    renameSync(`${out}.${process.pid}.new`, out);
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface AppParts {
  /** Directories whose *.conf files become /etc/init (later ones win on a name clash). */
  jobDirs: string[];
  /** Extra files: guest path → content. */
  files?: Record<string, string>;
}

/**
 * The fresh archive: this checkout's dist/, bin/, package.json and native addon under
 * /usr/lib/upstart-ts, /sbin/init and every bin/ command (initctl and its aliases, bin/start and the others, too) in /sbin.
 */
export function appArchive(workDir: string, parts: AppParts): string {
  const root = join(workDir, 'app');
  rmSync(root, { recursive: true, force: true });
  const lib = 'usr/lib/upstart-ts';
  // bin/initctl is a link to the C build in native/: copy what links point at.
  copyResolved(join(REPO, 'dist'), join(root, lib, 'dist'));
  copyResolved(join(REPO, 'bin'), join(root, lib, 'bin'));
  put(root, `${lib}/package.json`, join(REPO, 'package.json'));
  put(root, `${lib}/native/build/Release/upstart_native.node`, join(REPO, 'native/build/Release/upstart_native.node'));
  link(root, 'sbin/init', `../${lib}/bin/upstart`);
  for (const name of readdirSync(join(REPO, 'bin'))) {
    if (name === 'package.json' || name === 'upstart') continue;
    link(root, `sbin/${name}`, `../${lib}/bin/${name}`);
  }
  for (const dir of parts.jobDirs) {
    for (const f of readdirSync(dir)) {
      if (f.endsWith('.conf') || f.endsWith('.override')) put(root, `etc/init/${f}`, join(dir, f));
    }
  }
  for (const [path, text] of Object.entries(parts.files ?? {})) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const out = join(workDir, 'app.cpio');
  cpioOf(root, out);
  rmSync(root, { recursive: true, force: true });
  return out;
}

/** The kernel unpacks concatenated newc archives in turn: base first, then the app over it. */
export async function concatArchives(out: string, parts: string[]): Promise<void> {
  const w = createWriteStream(out);
  for (const p of parts) await pipeline(createReadStream(p), w, { end: false });
  await new Promise<void>((r, j) => w.end((err?: Error | null) => (err ? j(err) : r())));
}
