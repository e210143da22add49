// Stanza handlers for processes, events, environment, instances and documentation (init(5) plus Chromium OS's import/tmpfiles).
import type { ProcessName } from '../model/jobClass.ts';
import { parseCondition } from './conditionParser.ts';
import type { Scanner } from './scanner.ts';
import { resourceStanzas } from './resourceStanzas.ts';
import { readinessStanzas } from './readinessStanzas.ts';
import { addUnique, arg, args, fail, type StanzaContext, type StanzaHandler } from './stanzaContext.ts';

/** The command of an `exec` line or the body of a `script … end script` block, with the keyword `ctx.kw` just read. */
function readProcessCommand(ctx: StanzaContext, kind: 'exec' | 'script', scriptLabel: string): string {
  const sc: Scanner = ctx.sc;
  const kw = ctx.kw;
  if (kind === 'exec') {
    const cmd = sc.readCommand();
    if (cmd === undefined) {
      sc.fail('missing-argument', sc.line, sc.column(), `missing argument: expected a command after 'exec', found the end of the line`);
    }
    return cmd;
  }
  const extra = sc.readToken(false);
  if (extra !== undefined) {
    // Reported, not fatal: the body still has to be consumed, or its lines would be read as stanzas.
    sc.report('unexpected-argument', extra.line, extra.column, `unexpected argument '${extra.value}': 'script' stands alone on its line, the script starts on the next line`);
    sc.skipLine();
  } else {
    sc.endLine();
  }
  ctx.lineDone = true;
  return sc.readScriptBody(kw.line, kw.column, scriptLabel);
}

/** `exec COMMAND...` or `script … end script` for one process. */
function defineProcess(ctx: StanzaContext, proc: ProcessName, kind: 'exec' | 'script'): void {
  const kw = ctx.kw;
  const command = readProcessCommand(ctx, kind, proc === 'main' ? 'script' : `${proc} script`);
  // As for every stanza, the last one wins (Upstart); init-checkconf says so.
  const before = ctx.seen.get(proc);
  ctx.seen.set(proc, kind);
  ctx.spec.process[proc] = { kind, command, line: kw.line };
  if (before !== undefined) {
    const label = proc === 'main' ? 'the main process' : `the ${proc} process`;
    ctx.sc.warn('process-redefined', kw.line, kw.column, `${label} is defined again ('${kind}' after '${before}'): this later one replaces the earlier one`);
  }
}

/** What an action may be called: a word initctl can take as a command (no blanks, no `=`, not an option). */
const ACTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:+-]*$/;

/**
 * `action NAME exec COMMAND` / `action NAME script … end script` (ours, docs/job-language.md): a
 * command `initctl action JOB NAME` runs while the job runs. Upstart 1.13 rejects the stanza, so
 * init-checkconf warns.
 */
const actionStanza: StanzaHandler = (ctx) => {
  const kw = ctx.kw;
  const name = arg(ctx, 'an action name');
  if (!ACTION_NAME.test(name.value)) {
    fail(ctx, 'bad-action', name, `bad action name '${name.value}': expected letters, digits and _ . : + - (not starting with - or .), as in 'action rotate exec ...'`);
  }
  const t = arg(ctx, "'exec' or 'script'", `action ${name.value}`);
  if (t.value !== 'exec' && t.value !== 'script') {
    fail(ctx, 'bad-argument', t, `bad argument to 'action ${name.value}': expected 'exec' or 'script', found '${t.value}'`);
  }
  ctx.kw = { ...kw, value: t.value };
  const command = readProcessCommand(ctx, t.value, `action ${name.value} script`);
  const key = `action ${name.value}` as const;
  const before = ctx.seen.get(key);
  ctx.seen.set(key, t.value);
  ctx.spec.actions = { ...(ctx.spec.actions ?? {}), [name.value]: { kind: t.value, command, line: kw.line } };
  if (before !== undefined) {
    ctx.sc.warn('process-redefined', kw.line, kw.column, `action ${name.value} is defined again ('${t.value}' after '${before}'): this later one replaces the earlier one`);
  }
  ctx.sc.warn('upstart-extension', kw.line, kw.column, `action ${name.value}: an upstart-ts extension; Upstart 1.13 would reject this file (it has no action stanza)`);
};

function processStanza(proc: Exclude<ProcessName, 'main'>): StanzaHandler {
  return (ctx) => {
    const t = arg(ctx, "'exec' or 'script'");
    if (t.value !== 'exec' && t.value !== 'script') {
      fail(ctx, 'bad-argument', t, `bad argument to '${proc}': expected 'exec' or 'script', found '${t.value}'`);
    }
    ctx.kw = { ...ctx.kw, value: t.value };
    defineProcess(ctx, proc, t.value);
  };
}

function onStanza(which: 'start' | 'stop'): StanzaHandler {
  return (ctx) => {
    const on = arg(ctx, "'on'");
    if (on.value !== 'on') fail(ctx, 'bad-argument', on, `bad argument to '${which}': expected '${which} on CONDITION', found '${which} ${on.value}'`);
    const at = { line: ctx.sc.line, column: ctx.sc.column() };
    const tokens = ctx.sc.readConditionTokens();
    const cond = parseCondition(tokens, ctx.sc, `${which} on`, at);
    if (which === 'start') {
      ctx.spec.start = cond;
      ctx.spec.manual = false;
    } else {
      ctx.spec.stop = cond;
    }
  };
}

function single(set: (ctx: StanzaContext, value: string) => void, what: string): StanzaHandler {
  return (ctx) => set(ctx, arg(ctx, what).value);
}

function flag(set: (ctx: StanzaContext) => void): StanzaHandler {
  return set;
}

const ENV_NAME_OK = (key: string): boolean => {
  if (key === '') return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 36 /* $ */) return false;
  }
  return true;
};

const envStanza: StanzaHandler = (ctx) => {
  const t = arg(ctx, 'KEY=VALUE or KEY');
  const key = t.eq < 0 ? t.value : t.value.slice(0, t.eq);
  if (!ENV_NAME_OK(key)) fail(ctx, 'bad-env', t, `bad environment variable '${t.value}': expected KEY=VALUE or KEY, with a KEY free of blanks and '$'`);
  const env = ctx.spec.env.filter((e) => e.key !== key);
  env.push(t.eq < 0 ? { key } : { key, value: t.value.slice(t.eq + 1) });
  ctx.spec.env = env;
};

export const STANZAS: Readonly<Record<string, StanzaHandler>> = {
  exec: (ctx) => defineProcess(ctx, 'main', 'exec'),
  script: (ctx) => defineProcess(ctx, 'main', 'script'),
  'pre-start': processStanza('pre-start'),
  'post-start': processStanza('post-start'),
  'pre-stop': processStanza('pre-stop'),
  'post-stop': processStanza('post-stop'),
  action: actionStanza,
  start: onStanza('start'),
  stop: onStanza('stop'),
  manual: flag((ctx) => {
    ctx.spec.manual = true;
    delete ctx.spec.start;
  }),
  emits: (ctx) => addUnique(ctx.spec.emits, args(ctx, 'an event name')),
  env: envStanza,
  export: (ctx) => addUnique(ctx.spec.export, args(ctx, 'a variable name')),
  import: (ctx) => addUnique(ctx.spec.imports, args(ctx, 'a variable name')),
  tmpfiles: (ctx) => addUnique(ctx.spec.tmpfiles, args(ctx, 'a tmpfiles.d configuration path')),
  task: flag((ctx) => { ctx.spec.task = true; }),
  debug: flag((ctx) => { ctx.spec.debug = true; }),
  instance: single((ctx, v) => { ctx.spec.instance = v; }, 'an instance name'),
  description: single((ctx, v) => { ctx.spec.description = v; }, 'a description (quote it if it has blanks)'),
  author: single((ctx, v) => { ctx.spec.author = v; }, 'an author (quote it if it has blanks)'),
  version: single((ctx, v) => { ctx.spec.version = v; }, 'a version (quote it if it has blanks)'),
  usage: single((ctx, v) => { ctx.spec.usage = v; }, 'a usage text (quote it if it has blanks)'),
  chroot: single((ctx, v) => { ctx.spec.chroot = v; }, 'a directory'),
  chdir: single((ctx, v) => { ctx.spec.chdir = v; }, 'a directory'),
  setuid: single((ctx, v) => { ctx.spec.setuid = v; }, 'a user name'),
  setgid: single((ctx, v) => { ctx.spec.setgid = v; }, 'a group name'),
  ...resourceStanzas,
  ...readinessStanzas,
};

export const STANZA_NAMES: readonly string[] = Object.keys(STANZAS);
