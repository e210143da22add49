// npm run package:deb: both packages build with sane fields, lintian finds no error, and the unpacked daemon runs a job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const skip = existsSync('/usr/bin/dpkg-deb') ? false : 'dpkg-deb not found (Debian package dpkg)';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^ ${name}: (.*)$`, 'm').exec(info)?.[1];
}

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('package:deb: upstart-ts and upstart-ts-init build, with fields, lintian and a running daemon', { skip, timeout: 600_000 }, async (t) => {
  // Inside dist/, as the default --out is (a staging tree there was once copied into itself).
  mkdirSync(join(root, 'dist'), { recursive: true });
  const out = mkdtempSync(join(root, 'dist', '.test-deb-'));
  try {
    const printed = sh(process.execPath, ['scripts/package-deb.mjs', '--out', out], { ...process.env, UPSTART_TS_DEB_COMPRESS: 'gzip' });
    const main = join(out, `upstart-ts_${version}_amd64.deb`);
    const init = join(out, `upstart-ts-init_${version}_amd64.deb`);
    assert.match(printed, /upstart-ts_.*\.deb/);
    assert.ok(existsSync(main) && existsSync(init), printed);

    const mainInfo = sh('dpkg-deb', ['-I', main]);
    assert.equal(field(mainInfo, 'Package'), 'upstart-ts');
    assert.equal(field(mainInfo, 'Version'), version);
    assert.equal(field(mainInfo, 'Architecture'), 'amd64');
    assert.match(field(mainInfo, 'Depends') ?? '', /libc6/);
    const initInfo = sh('dpkg-deb', ['-I', init]);
    assert.equal(field(initInfo, 'Package'), 'upstart-ts-init');
    assert.equal(field(initInfo, 'Pre-Depends'), `upstart-ts (= ${version})`);
    for (const other of ['systemd-sysv', 'sysvinit-core', 'runit-init']) {
      assert.match(field(initInfo, 'Conflicts') ?? '', new RegExp(other));
      assert.match(field(initInfo, 'Replaces') ?? '', new RegExp(other));
    }

    const initFiles = sh('dpkg-deb', ['-c', init]);
    assert.match(initFiles, /\.\/sbin\/init -> \/usr\/lib\/upstart-ts\/bin\/upstart/);
    assert.match(initFiles, /\.\/etc\/init\/rc-sysinit\.conf/);
    // service(8): ours, with the distribution's diverted to service.distrib while installed, not overwritten.
    assert.match(initFiles, /\.\/usr\/sbin\/service -> \.\.\/lib\/upstart-ts\/bin\/upstart-service/);
    assert.match(sh('dpkg-deb', ['-I', init, 'preinst']), /dpkg-divert --package upstart-ts-init --add --rename --divert \/usr\/sbin\/service\.distrib \/usr\/sbin\/service/);
    assert.match(sh('dpkg-deb', ['-I', init, 'postrm']), /dpkg-divert --package upstart-ts-init --remove --rename/);
    const mainFiles = sh('dpkg-deb', ['-c', main]);
    for (const m of ['man5/init.5.gz', 'man8/upstart.8.gz', 'man8/initctl.8.gz', 'man8/init-checkconf.8.gz', 'man7/upstart-events.7.gz']) assert.ok(mainFiles.includes(`./usr/share/man/${m}`), m);
    assert.match(initFiles, /\.\/usr\/share\/man\/man8\/init\.8\.gz -> upstart\.8\.gz/);
    assert.doesNotMatch(mainFiles, /\.\/sbin\/init\b/, 'upstart-ts itself never touches /sbin/init');
    // Upstart's /sbin/start, /sbin/stop, ...: with the init; beside initctl in the package's bin/, which ends every job's PATH.
    for (const alias of ['start', 'stop', 'restart', 'reload', 'status']) {
      assert.match(initFiles, new RegExp(`\\./sbin/${alias} -> /usr/lib/upstart-ts/bin/initctl\n`), `/sbin/${alias}`);
      assert.match(mainFiles, new RegExp(`\\./usr/lib/upstart-ts/bin/${alias} -> initctl\n`), `bin/${alias}`);
      assert.doesNotMatch(mainFiles, new RegExp(`\\./usr/s?bin/${alias} `), `upstart-ts alone puts no ${alias} on PATH`);
    }
    assert.doesNotMatch(mainFiles, /\/dist\/\.|\.deb$/m, 'nothing of a build under dist/ (its packages, its output dir) in the package');

    if (existsSync('/usr/bin/lintian')) {
      let report: string;
      try {
        report = sh('/usr/bin/lintian', ['--tag-display-limit', '0', main, init]);
      } catch (err) {
        report = String((err as { stdout?: string }).stdout ?? err);
      }
      assert.doesNotMatch(report, /^E: /m, report);
      // The man pages made from the site are in the packages: lintian misses none of those commands'.
      assert.doesNotMatch(report, /(no-manual-page|binary-without-manpage) .*\b(upstart|initctl|init-checkconf|init)\b( |$)/m, report);
    } else {
      t.diagnostic('lintian not installed: its check was skipped');
    }

    // The unpacked tree runs: its own node, its own addon, the C initctl.
    const tree = join(out, 'tree');
    sh('dpkg-deb', ['-x', main, tree]);
    const lib = join(tree, 'usr', 'lib', 'upstart-ts');
    const conf = join(out, 'conf');
    mkdirSync(conf);
    writeFileSync(join(conf, 'nap.conf'), 'exec sleep 300\n');
    const sock = join(out, 'sock');
    const daemon = spawn(join(lib, 'node'), [join(lib, 'bin', 'upstart'), '--user', '--confdir', conf, '--socket', sock, '--logdir', join(out, 'log')], { stdio: 'ignore' });
    try {
      await waitFor('the packaged daemon socket', () => existsSync(sock), 30_000);
      const initctl = join(tree, 'usr', 'bin', 'initctl');
      assert.match(sh(initctl, ['--socket', sock, 'start', 'nap']), /^nap start\/running, process \d+$/m);
      assert.match(sh(initctl, ['--socket', sock, 'version']), new RegExp(`upstart-ts ${version.replace(/\./g, '\\.')}`));
      sh(initctl, ['--socket', sock, 'stop', 'nap']);
    } finally {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
