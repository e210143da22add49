// Stanza handlers for the process environment and supervision: respawn, normal exit, console, umask, nice, oom, limit, kill, expect, ...
import { RLIMIT_NAMES, type RLimitName } from '../model/jobClass.ts';
import { canonicalSignal } from '../model/signals.ts';
import { parseCondition } from './conditionParser.ts';
import type { Token } from './scanner.ts';
import { arg, fail, optionalArg, toCount, toInt, type StanzaContext, type StanzaHandler } from './stanzaContext.ts';

function signalArg(ctx: StanzaContext, after: string): string {
  const t = arg(ctx, 'a signal name or number', after);
  const sig = canonicalSignal(t.value);
  if (sig === undefined) fail(ctx, 'bad-signal', t, `bad signal '${t.value}': expected a signal name such as TERM, SIGTERM or a number such as 15`);
  return sig;
}

function keyword<T extends string>(ctx: StanzaContext, allowed: readonly T[], after: string): T {
  const t = arg(ctx, allowed.map((a) => `'${a}'`).join(' or '), after);
  if (!(allowed as readonly string[]).includes(t.value)) {
    fail(ctx, 'bad-argument', t, `bad argument to '${after}': expected ${allowed.map((a) => `'${a}'`).join(' or ')}, found '${t.value}'`);
  }
  return t.value as T;
}

const respawn: StanzaHandler = (ctx) => {
  const t = optionalArg(ctx);
  if (t === undefined) {
    ctx.spec.respawn = true;
    return;
  }
  if (t.value !== 'limit') fail(ctx, 'unexpected-argument', t, `unexpected argument '${t.value}': expected 'respawn' alone or 'respawn limit COUNT INTERVAL'`);
  const count = arg(ctx, "COUNT INTERVAL or 'unlimited'", 'respawn limit');
  if (count.value === 'unlimited') {
    ctx.spec.respawnLimit = 'unlimited';
    return;
  }
  const c = toCount(count.value);
  if (c === undefined) fail(ctx, 'bad-number', count, `bad respawn limit '${count.value}': expected a count (a whole number) or 'unlimited'`);
  const interval = arg(ctx, 'an INTERVAL in seconds', `respawn limit ${count.value}`);
  const s = toCount(interval.value);
  if (s === undefined) fail(ctx, 'bad-number', interval, `bad respawn interval '${interval.value}': expected a number of seconds`);
  // init(5): either value being zero means no limit.
  ctx.spec.respawnLimit = c === 0 || s === 0 ? 'unlimited' : { count: c, interval: s };
};

const normal: StanzaHandler = (ctx) => {
  const t = arg(ctx, "'exit'");
  if (t.value !== 'exit') fail(ctx, 'bad-argument', t, `bad argument to 'normal': expected 'normal exit STATUS|SIGNAL...', found 'normal ${t.value}'`);
  const first = arg(ctx, 'an exit status or signal name', 'normal exit');
  const ne = ctx.spec.normalExit;
  for (let a: Token | undefined = first; a !== undefined; a = optionalArg(ctx)) {
    const n = toInt(a.value);
    if (n !== undefined) {
      if (n < 0 || n > 255) fail(ctx, 'bad-exit-status', a, `bad exit status '${a.value}': expected a number from 0 to 255`);
      if (!ne.statuses.includes(n)) ne.statuses.push(n);
    } else {
      const sig = canonicalSignal(a.value);
      if (sig === undefined) fail(ctx, 'bad-signal', a, `bad signal '${a.value}' in 'normal exit': expected an exit status (0-255) or a signal name such as TERM`);
      if (!ne.signals.includes(sig)) ne.signals.push(sig);
    }
  }
};

const consoleStanza: StanzaHandler = (ctx) => {
  const t = arg(ctx, "'none', 'log', 'output' or 'owner'");
  if (t.value !== 'none' && t.value !== 'log' && t.value !== 'output' && t.value !== 'owner') {
    fail(ctx, 'bad-console', t, `bad console '${t.value}': expected 'none', 'log', 'output' or 'owner'`);
  }
  ctx.spec.console = t.value;
};

const umask: StanzaHandler = (ctx) => {
  const t = arg(ctx, 'an octal mask such as 022');
  let v = 0;
  let ok = t.value.length > 0 && t.value.length <= 4;
  for (let i = 0; ok && i < t.value.length; i++) {
    const c = t.value.charCodeAt(i) - 48;
    if (c < 0 || c > 7) ok = false;
    v = v * 8 + c;
  }
  if (!ok || v > 0o777) fail(ctx, 'bad-umask', t, `bad umask '${t.value}': expected an octal value from 000 to 0777, such as 022`);
  ctx.spec.umask = v;
};

const nice: StanzaHandler = (ctx) => {
  const t = arg(ctx, 'a nice value from -20 to 19');
  const n = toInt(t.value);
  if (n === undefined || n < -20 || n > 19) fail(ctx, 'bad-nice', t, `bad nice value '${t.value}': expected a whole number from -20 to 19`);
  ctx.spec.nice = n;
};

const oom: StanzaHandler = (ctx) => {
  const t = arg(ctx, "'score N', 'score never' or an adjustment");
  if (t.value === 'score') {
    const v = arg(ctx, "a score from -1000 to 1000 or 'never'", 'oom score');
    if (v.value === 'never') {
      ctx.spec.oomScore = 'never';
      return;
    }
    const n = toInt(v.value);
    if (n === undefined || n < -1000 || n > 1000) fail(ctx, 'bad-oom', v, `bad oom score '${v.value}': expected a whole number from -1000 to 1000 or 'never'`);
    ctx.spec.oomScore = n;
    return;
  }
  // The legacy form `oom ADJ` (oom_adj, -16..15), scaled to an oom_score_adj as the kernel does.
  if (t.value === 'never') {
    ctx.spec.oomScore = 'never';
    return;
  }
  const n = toInt(t.value);
  if (n === undefined || n < -16 || n > 15) fail(ctx, 'bad-oom', t, `bad oom adjustment '${t.value}': expected 'oom score N' (-1000 to 1000), 'oom never' or a legacy adjustment from -16 to 15`);
  ctx.spec.oomScore = Math.trunc((n * 1000) / 17);
};

function limitValue(ctx: StanzaContext, t: Token): number | 'unlimited' {
  if (t.value === 'unlimited') return 'unlimited';
  const n = toCount(t.value);
  if (n === undefined) fail(ctx, 'bad-limit', t, `bad limit '${t.value}': expected a whole number or 'unlimited'`);
  return n;
}

const limit: StanzaHandler = (ctx) => {
  const r = arg(ctx, 'a resource name such as nofile');
  if (!(RLIMIT_NAMES as readonly string[]).includes(r.value)) {
    fail(ctx, 'unknown-rlimit', r, `unknown resource '${r.value}': expected one of ${RLIMIT_NAMES.join(', ')}`);
  }
  const soft = limitValue(ctx, arg(ctx, "a SOFT limit (a number or 'unlimited')", `limit ${r.value}`));
  const hard = limitValue(ctx, arg(ctx, "a HARD limit (a number or 'unlimited')", `limit ${r.value} ${soft}`));
  ctx.spec.limits[r.value as RLimitName] = { soft, hard };
};

const kill: StanzaHandler = (ctx) => {
  const what = keyword(ctx, ['signal', 'timeout'], 'kill');
  if (what === 'signal') {
    ctx.spec.killSignal = signalArg(ctx, 'kill signal');
    return;
  }
  const t = arg(ctx, 'a number of seconds', 'kill timeout');
  const n = toCount(t.value);
  if (n === undefined) fail(ctx, 'bad-number', t, `bad kill timeout '${t.value}': expected a whole number of seconds`);
  ctx.spec.killTimeout = n;
};

const reload: StanzaHandler = (ctx) => {
  keyword(ctx, ['signal'], 'reload');
  ctx.spec.reloadSignal = signalArg(ctx, 'reload signal');
};

const apparmor: StanzaHandler = (ctx) => {
  const what = keyword(ctx, ['load', 'switch'], 'apparmor');
  const v = arg(ctx, what === 'load' ? 'a profile path' : 'a profile name', `apparmor ${what}`);
  ctx.spec.apparmor = { ...ctx.spec.apparmor, [what]: v.value };
};

const cgroup: StanzaHandler = (ctx) => {
  const controller = arg(ctx, 'a controller name such as memory').value;
  const rest: string[] = [];
  for (let t = optionalArg(ctx); t !== undefined; t = optionalArg(ctx)) {
    if (rest.length === 3) fail(ctx, 'unexpected-argument', t, `unexpected argument '${t.value}': expected 'cgroup CONTROLLER [NAME] [KEY VALUE]'`);
    rest.push(t.value);
  }
  const [a, b, c] = rest;
  const entry =
    rest.length === 0 ? { controller }
    : rest.length === 1 ? { controller, name: a }
    : rest.length === 2 ? { controller, key: a, value: b }
    : { controller, name: a, key: b, value: c };
  // The last occurrence wins, except that different KEYs of one controller all apply.
  ctx.spec.cgroups = ctx.spec.cgroups.filter((g) => g.controller !== controller || (g.key !== undefined && g.key !== entry.key));
  ctx.spec.cgroups.push(entry);
};

const expect: StanzaHandler = (ctx) => {
  const at = { line: ctx.sc.line, column: ctx.sc.column() };
  const tokens = ctx.sc.readConditionTokens();
  const [first, second, third] = tokens;
  if (first === undefined) {
    return ctx.sc.fail('missing-argument', at.line, at.column, "missing argument: expected 'stop', 'daemon', 'fork', 'exit N' or an event condition after 'expect', found the end of the line");
  }
  if (first.kind === 'word' && !first.quoted && (first.value === 'stop' || first.value === 'daemon' || first.value === 'fork')) {
    if (second !== undefined) fail(ctx, 'unexpected-argument', second, `unexpected argument '${second.value}': 'expect ${first.value}' takes nothing more`);
    ctx.spec.expect = { kind: first.value };
    return;
  }
  if (first.kind === 'word' && !first.quoted && first.value === 'exit') {
    if (second === undefined) fail(ctx, 'missing-argument', first, "missing argument: expected a count after 'expect exit', found the end of the line");
    const n = toCount(second.value);
    if (second.kind !== 'word' || n === undefined || n < 1) fail(ctx, 'bad-number', second, `bad count '${second.value}': expected a whole number of exits, 1 or more`);
    if (third !== undefined) fail(ctx, 'unexpected-argument', third, `unexpected argument '${third.value}': 'expect exit N' takes nothing more`);
    ctx.spec.expect = { kind: 'exit', count: n };
    return;
  }
  ctx.spec.expect = { kind: 'event', condition: parseCondition(tokens, ctx.sc, 'expect', at) };
};

export const resourceStanzas: Readonly<Record<string, StanzaHandler>> = {
  respawn,
  normal,
  console: consoleStanza,
  umask,
  nice,
  oom,
  limit,
  kill,
  reload,
  apparmor,
  cgroup,
  expect,
};
