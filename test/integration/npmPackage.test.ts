// `npm install -g` of the packed tarball (what the registry serves) gives a working initctl, addon and aliases, offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LINK_NAMES } from '../../src/control/aliases.ts';
import { ROOT, run, waitUntil } from './harness.ts';

const skip = existsSync(join(ROOT, 'dist/bundle/upstart.cjs')) ? false : 'dist is not built (npm run build:ts)';

/** node-gyp builds against the headers beside the node running the tests (offline: nothing to download). */
function nodeDir(): Record<string, string> {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include/node/common.gypi')) ? { npm_config_nodedir: prefix } : {};
}

test('npm install -g of the packed tarball: initctl, the addon and stop on a job\'s PATH', { skip, timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upstart-npm-'));
  const prefix = join(dir, 'prefix');
  const npmEnv = { npm_config_cache: join(dir, 'cache'), npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...nodeDir() };
  let daemon: ReturnType<typeof spawn> | undefined;
  try {
    // --ignore-scripts: the tests' dist/ as it is (prepare would rebuild it under the other tests' feet).
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], npmEnv, 120_000);
    assert.equal(packed.code, 0, packed.stderr);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, packed.stdout);
    const listed = await run('tar', ['tzf', join(dir, tarball)]);
    assert.doesNotMatch(listed.stdout, /^package\/(test|bench|src)\//m, 'the tarball ships what runs, not the tests');
    const installed = await run('npm', ['install', '-g', '--offline', '--prefix', prefix, join(dir, tarball)], npmEnv, 240_000);
    assert.equal(installed.code, 0, installed.stderr);

    // scripts/install.mjs put back every link npm pack left out.
    const pkgBin = join(prefix, 'lib', 'node_modules', 'upstart-ts', 'bin');
    for (const name of LINK_NAMES) assert.ok(lstatSync(join(pkgBin, name)).isSymbolicLink(), `bin/${name} in the installed package`);
    const bin = join(prefix, 'bin');
    const version = await run(join(bin, 'initctl'), ['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^initctl \(upstart-ts [^)]+\)/);

    const home = join(dir, 'session');
    mkdirSync(join(home, 'conf'), { recursive: true });
    writeFileSync(join(home, 'conf', 'guarded.conf'), 'pre-start script\n  [ -r /nonexistent ] || { echo "no config"; stop; exit 0; }\nend script\nexec sleep 300\n');
    writeFileSync(join(home, 'conf', 'svc.conf'), 'start on startup\nconsole none\nexec sleep 300\n');
    const socket = join(home, 'sock');
    // Only the system's directories on PATH: what a job finds beyond them is what the package adds.
    daemon = spawn(join(bin, 'upstart'), ['--user', '--confdir', join(home, 'conf'), '--logdir', home, '--socket', socket], {
      env: { PATH: `${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: home }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    daemon.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    await waitUntil('the installed daemon to listen', () => err.includes(' mode: socket ') || daemon!.exitCode !== null);
    assert.equal(daemon.exitCode, null, err);
    const session = { UPSTART_SESSION: `unix:path=${socket}`, UPSTART_JOB: undefined, UPSTART_INSTANCE: undefined };
    assert.match((await waitUntil('svc to run', async () => {
      const s = await run(join(bin, 'initctl'), ['status', 'svc'], session);
      return /start\/running/.test(s.stdout) ? s.stdout : undefined;
    })), /^svc start\/running, process \d+\n$/);
    const started = await run(join(bin, 'initctl'), ['start', 'guarded'], session);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout, 'guarded stop/waiting\n');
    const log = readFileSync(join(home, 'guarded.log'), 'utf8');
    assert.match(log, /^no config\n/);
    assert.doesNotMatch(log, /not found/);
  } finally {
    if (daemon !== undefined && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon!.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
