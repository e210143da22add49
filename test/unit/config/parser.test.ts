// Table-driven tests of every stanza's valid forms: job text in, JobClassSpec fields out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJob } from '../../../src/config/parser.ts';
import { defaultJobClass, type JobClassSpec } from '../../../src/model/jobClass.ts';

function parse(text: string): JobClassSpec {
  const r = parseJob(text, { file: 'job.conf', name: 'job' });
  assert.deepEqual(r.errors.map((e) => e.format()), []);
  assert.ok(r.spec);
  return r.spec;
}

const ev = (name: string, ...args: { key?: string; value: string; negate?: boolean }[]) => ({ kind: 'event' as const, name, args });

const cases: { name: string; text: string; want: Partial<JobClassSpec> }[] = [
  { name: 'exec', text: 'exec /usr/sbin/acpid -c $EVENTSDIR -s $SOCKET\n', want: { process: { main: { kind: 'exec', command: '/usr/sbin/acpid -c $EVENTSDIR -s $SOCKET', line: 1 } } } },
  { name: 'exec keeps quotes, drops a comment', text: 'exec /bin/sh -c "echo a  b" # note\n', want: { process: { main: { kind: 'exec', command: '/bin/sh -c "echo a  b"', line: 1 } } } },
  { name: 'exec ends at an unquoted # even inside a word (as Upstart)', text: 'exec echo a#b "$#" \\#\n', want: { process: { main: { kind: 'exec', command: 'echo a', line: 1 } } } },
  { name: 'exec keeps a quoted or escaped #', text: 'exec echo "a#b" \\# c\n', want: { process: { main: { kind: 'exec', command: 'echo "a#b" \\# c', line: 1 } } } },
  { name: 'exec continuation', text: 'exec foo --a \\\n    --b\n', want: { process: { main: { kind: 'exec', command: 'foo --a --b', line: 1 } } } },
  { name: 'exec quote across lines: the newline and blanks around it become one space', text: "exec sh -c 'a  \n   b'\n", want: { process: { main: { kind: 'exec', command: "sh -c 'a b'", line: 1 } } } },
  { name: 'script dedented by its first line', text: 'script\n    dd bs=1\n      exec klogd\n    done\nend script\n', want: { process: { main: { kind: 'script', command: 'dd bs=1\n  exec klogd\ndone\n', line: 1 } } } },
  { name: 'script: an empty line makes the indentation zero (Upstart)', text: 'script\n    dd bs=1\n\n    done\nend script\n', want: { process: { main: { kind: 'script', command: '    dd bs=1\n\n    done\n', line: 1 } } } },
  { name: 'script end with blanks and comment', text: 'script\n\techo hi\n  end   script  # done\n', want: { process: { main: { kind: 'script', command: 'echo hi\n', line: 1 } } } },
  { name: 'script keeps quotes and hashes', text: "script\n  echo '#x' \"$A\" # c\nend script\n", want: { process: { main: { kind: 'script', command: "echo '#x' \"$A\" # c\n", line: 1 } } } },
  { name: 'empty script', text: 'script\nend script\n', want: { process: { main: { kind: 'script', command: '', line: 1 } } } },
  { name: 'pre-start exec + post-stop script', text: 'pre-start exec ifup -a\npost-stop script\n  ifdown -a\nend script\n', want: { process: { 'pre-start': { kind: 'exec', command: 'ifup -a', line: 1 }, 'post-stop': { kind: 'script', command: 'ifdown -a\n', line: 2 } } } },
  { name: 'post-start and pre-stop', text: 'post-start exec a\npre-stop exec b\n', want: { process: { 'post-start': { kind: 'exec', command: 'a', line: 1 }, 'pre-stop': { kind: 'exec', command: 'b', line: 2 } } } },
  { name: 'duplicate exec: last wins', text: 'exec a\nexec b\n', want: { process: { main: { kind: 'exec', command: 'b', line: 2 } } } },
  { name: 'exec then script: last wins', text: 'exec /bin/a\nscript\n  b\nend script\n', want: { process: { main: { kind: 'script', command: 'b\n', line: 2 } } } },
  { name: 'pre-start script then exec: last wins', text: 'pre-start script\n  b\nend script\npre-start exec a\n', want: { process: { 'pre-start': { kind: 'exec', command: 'a', line: 4 } } } },
  { name: 'start on single', text: 'start on startup\n', want: { start: ev('startup') } },
  { name: 'start on or', text: 'start on started gdm or started kdm\n', want: { start: { kind: 'or', left: ev('started', { value: 'gdm' }), right: ev('started', { value: 'kdm' }) } } },
  { name: 'start on args', text: 'start on device-added SUBSYSTEM=tty DEVPATH=ttyS*\n', want: { start: ev('device-added', { key: 'SUBSYSTEM', value: 'tty' }, { key: 'DEVPATH', value: 'ttyS*' }) } },
  { name: 'start on negation', text: 'start on net-device-added INTERFACE!=lo\n', want: { start: ev('net-device-added', { key: 'INTERFACE', value: 'lo', negate: true }) } },
  { name: 'start on quoted value', text: 'start on foo "and" JOB="a b" X=\'$Y\' "K=v w"\n', want: { start: ev('foo', { value: 'and' }, { key: 'JOB', value: 'a b' }, { key: 'X', value: '$Y' }, { key: 'K', value: 'v w' }) } },
  { name: 'start on parens over lines with comment', text: 'start on a and (\n  b or # why\n  c)\n', want: { start: { kind: 'and', left: ev('a'), right: { kind: 'or', left: ev('b'), right: ev('c') } } } },
  { name: 'start on equal precedence, left to right', text: 'start on a or b and c\n', want: { start: { kind: 'and', left: { kind: 'or', left: ev('a'), right: ev('b') }, right: ev('c') } } },
  { name: 'start on parens glued to words', text: 'start on (A and B C=D and E F=G)\n', want: { start: { kind: 'and', left: { kind: 'and', left: ev('A'), right: ev('B', { key: 'C', value: 'D' }) }, right: ev('E', { key: 'F', value: 'G' }) } } },
  { name: 'start on continuation', text: 'start on a \\\n  or b\n', want: { start: { kind: 'or', left: ev('a'), right: ev('b') } } },
  { name: 'start on glob and ${VAR}', text: 'start on runlevel [!2345] FOO=${BAR}\n', want: { start: ev('runlevel', { value: '[!2345]' }, { key: 'FOO', value: '${BAR}' }) } },
  { name: 'stop on', text: 'stop on device-removed DEVPATH=$DEVPATH\n', want: { stop: ev('device-removed', { key: 'DEVPATH', value: '$DEVPATH' }) } },
  { name: 'manual discards start on', text: 'start on startup\nmanual\n', want: { manual: true } },
  { name: 'start on after manual', text: 'manual\nstart on startup\n', want: { manual: false, start: ev('startup') } },
  { name: 'emits accumulate', text: 'emits a b\nemits c *-device\n', want: { emits: ['a', 'b', 'c', '*-device'] } },
  { name: 'env forms', text: 'env A=1\nenv B="x y"\nenv C\nenv D=\nenv E=\'$HOME\'\n', want: { env: [{ key: 'A', value: '1' }, { key: 'B', value: 'x y' }, { key: 'C' }, { key: 'D', value: '' }, { key: 'E', value: '$HOME' }] } },
  { name: 'env same key replaces', text: 'env A=1\nenv B=2\nenv A=3\n', want: { env: [{ key: 'B', value: '2' }, { key: 'A', value: '3' }] } },
  { name: 'env value with = and quotes mid-word', text: 'env OPTS=--a=b"c d"\n', want: { env: [{ key: 'OPTS', value: '--a=bc d' }] } },
  { name: 'env quoted whole', text: 'env "A=b c"\n', want: { env: [{ key: 'A', value: 'b c' }] } },
  { name: 'export accumulates', text: 'export A B\nexport C\n', want: { export: ['A', 'B', 'C'] } },
  { name: 'import (Chromium OS)', text: 'import CHROMEOS_USER\nimport A B\n', want: { imports: ['CHROMEOS_USER', 'A', 'B'] } },
  { name: 'tmpfiles (Chromium OS)', text: 'tmpfiles /usr/lib/tmpfiles.d/a.conf /b.conf\n', want: { tmpfiles: ['/usr/lib/tmpfiles.d/a.conf', '/b.conf'] } },
  { name: 'task', text: 'task\n', want: { task: true } },
  { name: 'respawn', text: 'respawn\n', want: { respawn: true } },
  { name: 'respawn limit', text: 'respawn limit 3 10  # comment\n', want: { respawn: false, respawnLimit: { count: 3, interval: 10 } } },
  { name: 'respawn limit unlimited', text: 'respawn\nrespawn limit unlimited\n', want: { respawn: true, respawnLimit: 'unlimited' } },
  { name: 'respawn limit zero is unlimited', text: 'respawn limit 0 5\n', want: { respawnLimit: 'unlimited' } },
  { name: 'normal exit accumulates', text: 'normal exit 0 1 TERM SIGHUP\nnormal exit 2 15 1\n', want: { normalExit: { statuses: [0, 1, 2, 15], signals: ['TERM', 'HUP'] } } },
  { name: 'normal exit takes any status Upstart takes', text: 'normal exit 99\nnormal exit 100 101\nnormal exit QUIT\nnormal exit 900\n', want: { normalExit: { statuses: [99, 100, 101, 900], signals: ['QUIT'] } } },
  { name: 'instance', text: 'instance $BUS:$DEV\n', want: { instance: '$BUS:$DEV' } },
  { name: 'documentation', text: 'description "This does neat stuff"\nauthor "Scott <s@n.com>"\nversion "$Id$"\nusage "tty DEV=ttyX"\n', want: { description: 'This does neat stuff', author: 'Scott <s@n.com>', version: '$Id$', usage: 'tty DEV=ttyX' } },
  { name: 'duplicate description: last wins', text: 'description a\ndescription b\n', want: { description: 'b' } },
  { name: 'console none', text: 'console none\n', want: { console: 'none' } },
  { name: 'console log', text: 'console log\n', want: { console: 'log' } },
  { name: 'console output', text: 'console output\n', want: { console: 'output' } },
  { name: 'console owner', text: 'console owner\n', want: { console: 'owner' } },
  { name: 'umask', text: 'umask 022\n', want: { umask: 0o22 } },
  { name: 'umask 0777', text: 'umask 0777\n', want: { umask: 0o777 } },
  { name: 'nice', text: 'nice -20\n', want: { nice: -20 } },
  { name: 'nice 19', text: 'nice 19\n', want: { nice: 19 } },
  { name: 'oom score', text: 'oom score -100\n', want: { oomScore: -100 } },
  { name: 'oom score never', text: 'oom score never\n', want: { oomScore: 'never' } },
  { name: 'oom score bounds', text: 'oom score 1000\n', want: { oomScore: 1000 } },
  { name: 'legacy oom never', text: 'oom never\n', want: { oomScore: 'never' } },
  { name: 'legacy oom negative: N * 1000 / 17', text: 'oom -16\n', want: { oomScore: -941 } },
  { name: 'legacy oom positive: N * 1000 / 15', text: 'oom 10\n', want: { oomScore: 666 } },
  { name: 'legacy oom 15 is 1000', text: 'oom 15\n', want: { oomScore: 1000 } },
  { name: 'chroot chdir', text: 'chroot /srv/jail\nchdir /var/lib/x\n', want: { chroot: '/srv/jail', chdir: '/var/lib/x' } },
  { name: 'limit', text: 'limit nofile 1024 262144\nlimit as 100 unlimited\nlimit core unlimited unlimited\n', want: { limits: { nofile: { soft: 1024, hard: 262144 }, as: { soft: 100, hard: 'unlimited' }, core: { soft: 'unlimited', hard: 'unlimited' } } } },
  { name: 'limit same resource: last wins', text: 'limit nofile 1 2\nlimit nofile 3 4\n', want: { limits: { nofile: { soft: 3, hard: 4 } } } },
  { name: 'setuid setgid', text: 'setuid nobody\nsetgid nogroup\n', want: { setuid: 'nobody', setgid: 'nogroup' } },
  { name: 'apparmor', text: 'apparmor load /etc/apparmor.d/usr.sbin.cupsd\napparmor switch /usr/sbin/cupsd\n', want: { apparmor: { load: '/etc/apparmor.d/usr.sbin.cupsd', switch: '/usr/sbin/cupsd' } } },
  { name: 'cgroup forms', text: 'cgroup cpu\ncgroup memory $UPSTART_CGROUP limit_in_bytes 52428800\ncgroup blkio slowio throttle.write_bps_device "8:16 1048576"\ncgroup cpuset cpus 0-1\n', want: { cgroups: [{ controller: 'cpu' }, { controller: 'memory', name: '$UPSTART_CGROUP', key: 'limit_in_bytes', value: '52428800' }, { controller: 'blkio', name: 'slowio', key: 'throttle.write_bps_device', value: '8:16 1048576' }, { controller: 'cpuset', key: 'cpus', value: '0-1' }] } },
  { name: 'cgroup: different keys accumulate, same key replaces', text: 'cgroup memory a 1\ncgroup memory b 2\ncgroup memory a 3\n', want: { cgroups: [{ controller: 'memory', key: 'b', value: '2' }, { controller: 'memory', key: 'a', value: '3' }] } },
  { name: 'expect stop', text: 'expect stop\n', want: { expect: { kind: 'stop' } } },
  { name: 'expect daemon', text: 'expect daemon\n', want: { expect: { kind: 'daemon' } } },
  { name: 'expect fork', text: 'expect fork\n', want: { expect: { kind: 'fork' } } },
  { name: 'expect exit N (ours)', text: 'expect exit 2\n', want: { expect: { kind: 'exit', count: 2 } } },
  { name: 'expect none', text: 'expect fork\nexpect none\n', want: { expect: { kind: 'none' } } },
  { name: 'expect ready (ours): this instance\'s own ready event', text: 'expect ready\n', want: { expect: { kind: 'event', condition: ev('ready', { key: 'JOB', value: '$UPSTART_JOB' }, { key: 'INSTANCE', value: '$UPSTART_INSTANCE' }) } } },
  { name: 'expect ready with arguments (ours)', text: 'expect ready JOB=$UPSTART_JOB\n', want: { expect: { kind: 'event', condition: ev('ready', { key: 'JOB', value: '$UPSTART_JOB' }) } } },
  { name: 'expect on EVENT (ours): one bare event after on', text: 'expect on db-up\n', want: { expect: { kind: 'event', condition: ev('db-up') } } },
  { name: 'expect on a keyword-named event (ours)', text: 'expect on fork\n', want: { expect: { kind: 'event', condition: ev('fork') } } },
  { name: 'expect an event with arguments (ours)', text: 'expect started dbus\n', want: { expect: { kind: 'event', condition: ev('started', { value: 'dbus' }) } } },
  { name: 'ready timeout (ours)', text: 'ready timeout 30\n', want: { readyTimeout: 30 } },
  { name: 'ready timeout 0: no limit (ours)', text: 'ready timeout 0\n', want: { readyTimeout: 0 } },
  { name: 'expect CONDITION (ours)', text: 'expect file FILE=/run/x.sock or socket-ready\n', want: { expect: { kind: 'event', condition: { kind: 'or', left: ev('file', { key: 'FILE', value: '/run/x.sock' }), right: ev('socket-ready') } } } },
  { name: 'expect: last wins', text: 'expect fork\nexpect daemon\n', want: { expect: { kind: 'daemon' } } },
  { name: 'kill signal name', text: 'kill signal SIGINT\n', want: { killSignal: 'INT' } },
  { name: 'kill signal short', text: 'kill signal TERM\n', want: { killSignal: 'TERM' } },
  { name: 'kill signal number', text: 'kill signal 15\n', want: { killSignal: 'TERM' } },
  { name: 'kill timeout', text: 'kill timeout 40\n', want: { killTimeout: 40 } },
  { name: 'kill mode (ours)', text: 'kill mode process\n', want: { killMode: 'process' } },
  { name: 'kill mode mixed', text: 'kill mode mixed\n', want: { killMode: 'mixed' } },
  { name: 'reload signal', text: 'reload signal USR1\n', want: { reloadSignal: 'USR1' } },
  { name: 'debug', text: 'debug\n', want: { debug: true } },
  { name: 'comments, blank lines, CRLF, no final newline', text: '# head\r\n\r\n   # indented comment\r\ntask # trailing\r\nexec a', want: { task: true, process: { main: { kind: 'exec', command: 'a', line: 5 } } } },
];

for (const c of cases) {
  test(`stanza: ${c.name}`, () => {
    const spec = parse(c.text);
    for (const [k, v] of Object.entries(c.want)) {
      assert.deepEqual(spec[k as keyof JobClassSpec], v, `field ${k}`);
    }
  });
}

test('manual: start is gone', () => {
  const spec = parse('start on startup\nmanual\n');
  assert.equal(spec.start, undefined);
});

test('defaults are those of defaultJobClass, plus the path', () => {
  const spec = parse('');
  assert.deepEqual(spec, { ...defaultJobClass('job'), path: 'job.conf' });
});

test('override: stanzas replace or add to the base, the base is untouched', () => {
  const base = parse('start on startup\nenv A=1\nenv B=2\nemits x\nscript\n  echo hi\nend script\nkill timeout 3\n');
  const before = structuredClone(base);
  const r = parseJob('manual\nenv A=9\nemits y\nexec /bin/true\n', { file: 'job.override', name: 'job', base });
  assert.deepEqual(r.errors, []);
  assert.ok(r.spec);
  assert.equal(r.spec.manual, true);
  assert.equal(r.spec.start, undefined);
  assert.deepEqual(r.spec.env, [{ key: 'B', value: '2' }, { key: 'A', value: '9' }]);
  assert.deepEqual(r.spec.emits, ['x', 'y']);
  assert.deepEqual(r.spec.process.main, { kind: 'exec', command: '/bin/true', line: 4 });
  assert.equal(r.spec.killTimeout, 3);
  assert.equal(r.spec.path, 'job.conf');
  assert.deepEqual(base, before);
});
