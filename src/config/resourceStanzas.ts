// Stanza handlers for the process environment and supervision: respawn, normal exit, console, umask, nice, oom, limit, kill, expect, ...
import { KILL_MODES, RLIMIT_NAMES, type KillMode, type RLimitName } from '../model/jobClass.ts';
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
      // Upstart takes any non-negative int (`normal exit 900` loads, though no exit can match it).
      if (n < 0 || n > 2147483647) fail(ctx, 'bad-exit-status', a, `bad exit status '${a.value}': expected a whole number from 0 to 2147483647 (an exit status is 0-255)`);
      if (!ne.statuses.includes(n)) ne.statuses.push(n);
    } else {
      const sig = canonicalSignal(a.value);
      if (sig === undefined) fail(ctx, 'bad-signal', a, `bad signal '${a.value}' in 'normal exit': expected an exit status (a whole number) or a signal name such as TERM`);
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
  // The legacy form `oom ADJ` (oom_adj, -16..15), converted as Upstart does: ADJ * 1000 / 15 for a
  // positive ADJ (so 15 is 1000), ADJ * 1000 / 17 for a negative one (so -17, `never`, is -1000).
  if (t.value === 'never') {
    ctx.spec.oomScore = 'never';
    return;
  }
  const n = toInt(t.value);
  if (n === undefined || n < -16 || n > 15) fail(ctx, 'bad-oom', t, `bad oom adjustment '${t.value}': expected 'oom score N' (-1000 to 1000), 'oom never' or a legacy adjustment from -16 to 15`);
  ctx.spec.oomScore = Math.trunc((n * 1000) / (n < 0 ? 17 : 15));
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
  const what = keyword(ctx, ['signal', 'timeout', 'mode'], 'kill');
  if (what === 'signal') {
    ctx.spec.killSignal = signalArg(ctx, 'kill signal');
    return;
  }
  if (what === 'mode') {
    // Ours (systemd's KillMode): Upstart 1.13 knows only kill signal and kill timeout.
    const m = keyword(ctx, KILL_MODES, 'kill mode');
    ctx.spec.killMode = m as KillMode;
    ctx.sc.warn('upstart-extension', ctx.kw.line, ctx.kw.column, 'kill mode: an upstart-ts extension; Upstart 1.13 would reject this file (it knows only kill signal and kill timeout)');
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

/** The one-word forms of `expect`; any other single word is refused (a typo must not wait for an event). */
const EXPECT_WORDS = ['stop', 'daemon', 'fork', 'none', 'ready'] as const;

/** `did you mean 'fork'?` for a near miss (case, one or two letters off), else ''. */
function expectHint(word: string): string {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const k of [...EXPECT_WORDS, 'exit']) {
    const d = editDistance(w, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best === undefined ? '' : `did you mean '${best}'? `;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (`deamon` → `daemon`). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 40) return 3;
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * `expect stop|daemon|fork|none` (init(5)), `expect exit N` (ours), `expect ready` (ours: this
 * instance's own `ready` event) and `expect CONDITION` (ours) in a shape no keyword typo has: an
 * event with arguments, an `and`/`or`, parentheses, or any condition after `on` (`expect on
 * db-up`). One other bare word (`expect frok`) is an error with a hint, never an event to wait for.
 */
const expect: StanzaHandler = (ctx) => {
  const at = { line: ctx.sc.line, column: ctx.sc.column() };
  const tokens = ctx.sc.readConditionTokens();
  const [first, second, third] = tokens;
  if (first === undefined) {
    return ctx.sc.fail('missing-argument', at.line, at.column, "missing argument: expected 'stop', 'daemon', 'fork', 'none', 'exit N', 'ready' or 'on CONDITION' after 'expect', found the end of the line");
  }
  const bare = first.kind === 'word' && !first.quoted;
  if (bare && first.value === 'on') {
    const rest = tokens.slice(1);
    ctx.spec.expect = { kind: 'event', condition: parseCondition(rest, ctx.sc, 'expect on', second ?? { line: first.line, column: first.column + 2 }) };
    return;
  }
  if (bare && first.value === 'exit') {
    if (second === undefined) fail(ctx, 'missing-argument', first, "missing argument: expected a count after 'expect exit', found the end of the line");
    const n = toCount(second.value);
    if (second.kind !== 'word' || n === undefined || n < 1) fail(ctx, 'bad-number', second, `bad count '${second.value}': expected a whole number of exits, 1 or more`);
    if (third !== undefined) fail(ctx, 'unexpected-argument', third, `unexpected argument '${third.value}': 'expect exit N' takes nothing more`);
    ctx.spec.expect = { kind: 'exit', count: n };
    return;
  }
  if (tokens.length === 1 && first.kind === 'word') {
    const w = first.value;
    if (bare && w === 'ready') {
      ctx.spec.expect = { kind: 'event', condition: OWN_READY };
      return;
    }
    if (bare && (w === 'stop' || w === 'daemon' || w === 'fork' || w === 'none')) {
      ctx.spec.expect = { kind: w };
      return;
    }
    fail(ctx, 'bad-expect', first, `bad argument to 'expect': '${w}' is not one of stop, daemon, fork, none, exit N, ready; ${expectHint(w)}(to wait for an event of that name write 'expect on ${w}')`);
  }
  if (bare && (EXPECT_WORDS as readonly string[]).includes(first.value) && first.value !== 'ready' && second !== undefined) {
    fail(ctx, 'unexpected-argument', second, `unexpected argument '${second.value}': 'expect ${first.value}' takes nothing more`);
  }
  ctx.spec.expect = { kind: 'event', condition: parseCondition(tokens, ctx.sc, 'expect', at) };
};

/** `expect ready`: this instance's own readiness (`ready JOB=… INSTANCE=…`, emitted for READY=1 or `initctl notify-ready`). */
export const OWN_READY = {
  kind: 'event' as const,
  name: 'ready',
  args: [{ key: 'JOB', value: '$UPSTART_JOB' }, { key: 'INSTANCE', value: '$UPSTART_INSTANCE' }],
};

/** `ready timeout SECONDS` (ours): how long a readiness wait may last; 0 waits for ever. */
const ready: StanzaHandler = (ctx) => {
  keyword(ctx, ['timeout'], 'ready');
  const t = arg(ctx, 'a number of seconds', 'ready timeout');
  const n = toCount(t.value);
  if (n === undefined) fail(ctx, 'bad-number', t, `bad ready timeout '${t.value}': expected a whole number of seconds (0: no limit)`);
  ctx.spec.readyTimeout = n;
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
  ready,
};
