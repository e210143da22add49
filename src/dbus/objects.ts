// Upstart's object tree on D-Bus: each method call is checked against its signature and answered by a control Request.
import { readFileSync } from 'node:fs';
import { answer } from '../control/handlers/index.ts';
import type { DaemonHooks } from '../control/hooks.ts';
import type { Request } from '../control/protocol.ts';
import { EngineError, type EngineApi, type EnvScope } from '../model/engineApi.ts';
import { authorise, isPrivileged, type AuthContext, type Caller } from './caller.ts';
import { DBUS_ERROR, DbusFault, faultOf, UPSTART_ERRORS } from './errors.ts';
import {
  IFACE_INSTANCE, IFACE_INTROSPECTABLE, IFACE_JOB, IFACE_MANAGER, IFACE_PEER, IFACE_PROPERTIES, INSTANCE, INTROSPECTABLE,
  introspectXml, inSignature, JOB, MANAGER, outSignature, PEER, PROPERTIES, type InterfaceSpec,
} from './interfaces.ts';
import { escapePathElement, instancePath, jobPath, parsePath, type PathTarget } from './paths.ts';
import { instanceProperties, jobProperties } from './properties.ts';
import type { DbusValue, Variant } from './wire.ts';

export interface CallIn {
  path: string;
  interface?: string;
  member: string;
  signature: string;
  body: DbusValue[];
  /** fds that came with the call (EmitEventWithFile's `h` indexes them); the call owns them: every one is kept or closed. */
  fds?: number[];
}

export interface CallOut {
  signature: string;
  body: DbusValue[];
}

export interface ObjectsOptions extends AuthContext {
  engine: EngineApi;
  hooks: DaemonHooks;
}

/** Never aborted: the signal of a handler context for a call that is not a stream. */
const NEVER = new AbortController().signal;

type Typed = Exclude<Request, { type: 'command' | 'subscribe' | 'cancel' }>;
/** A request without its id (the D-Bus side has none: each call has its own reply). */
type TypedIn = Typed extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;
type Body = DbusValue[];

const STANDARD = [PROPERTIES, INTROSPECTABLE, PEER];
const str = (v: DbusValue | undefined): string => v as string;
const strs = (v: DbusValue | undefined): string[] => v as string[];

/** Answers calls on /com/ubuntu/Upstart and the jobs and instances below it. */
export class UpstartObjects {
  constructor(private readonly o: ObjectsOptions) {}

  /** One method call → its reply body; throws DbusFault for an error reply. Never throws anything else. */
  async call(m: CallIn, caller: Caller): Promise<CallOut> {
    try {
      return await this.dispatch(m, caller);
    } catch (err) {
      if (err instanceof DbusFault) throw err;
      if (err instanceof EngineError) throw upstartText(faultOf(err, m.member === 'EmitEvent' || m.member === 'EmitEventWithFile'), m.member === 'EmitEventWithFile' ? 'EmitEvent' : m.member, err);
      throw new DbusFault(DBUS_ERROR.failed, `internal error: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** Runs a Request as the JSON protocol would, with the same authorisation. */
  private async request(r: Typed, caller: Caller): Promise<unknown> {
    authorise(r, caller, this.o);
    // A D-Bus call is one answer, never a stream: nothing aborts it and nothing is streamed.
    return answer(r, { engine: this.o.engine, hooks: this.o.hooks, mayChange: isPrivileged(caller, this.o), signal: NEVER, stream: () => {} });
  }

  private interfacesOf(t: PathTarget): InterfaceSpec[] {
    if (t.kind === 'manager') return [MANAGER, ...STANDARD];
    if (t.kind === 'job') return [JOB, ...STANDARD];
    if (t.kind === 'instance') return [INSTANCE, ...STANDARD];
    return [INTROSPECTABLE, PEER];
  }

  private async dispatch(m: CallIn, caller: Caller): Promise<CallOut> {
    const t = parsePath(m.path);
    if (t.kind === 'none') throw new DbusFault(DBUS_ERROR.unknownObject, `No such object path '${m.path}'`);
    const ifaces = this.interfacesOf(t);
    const iface = m.interface === undefined
      ? ifaces.find((i) => i.methods.some((x) => x.name === m.member))
      : ifaces.find((i) => i.name === m.interface);
    if (iface === undefined) {
      if (m.interface !== undefined) throw new DbusFault(DBUS_ERROR.unknownInterface, `No such interface '${m.interface}' at object path '${m.path}'`);
      throw new DbusFault(DBUS_ERROR.unknownMethod, `No such method '${m.member}' at object path '${m.path}'`);
    }
    const method = iface.methods.find((x) => x.name === m.member);
    if (method === undefined) throw new DbusFault(DBUS_ERROR.unknownMethod, `No such method '${m.member}' in interface '${iface.name}' at object path '${m.path}'`);
    const want = inSignature(method);
    if (m.signature !== want) {
      throw new DbusFault(DBUS_ERROR.invalidArgs, `${iface.name}.${method.name} takes signature '${want}', not '${m.signature}'`);
    }
    const body = iface.name === IFACE_MANAGER && method.name === 'EmitEventWithFile'
      ? await this.emitWithFile(m.body, m.fds ?? [], caller)
      : await this.method(t, iface.name, method.name, m.body, caller);
    return { signature: outSignature(method), body };
  }

  private async method(t: PathTarget, iface: string, member: string, a: Body, caller: Caller): Promise<Body> {
    switch (iface) {
      case IFACE_INTROSPECTABLE: return [this.introspect(t)];
      case IFACE_PEER: return member === 'Ping' ? [] : [machineId()];
      case IFACE_PROPERTIES: return this.properties(t, member, a, caller);
      case IFACE_MANAGER: return this.manager(member, a, caller);
      case IFACE_JOB: return this.job((t as { job: string }).job, member, a, caller);
      case IFACE_INSTANCE: {
        const { job, instance } = t as { job: string; instance: string };
        return this.instance(job, instance, member, a, caller);
      }
    }
    throw new DbusFault(DBUS_ERROR.unknownInterface, `No such interface '${iface}'`);
  }

  private introspect(t: PathTarget): string {
    const children = (): string[] => {
      switch (t.kind) {
        case 'manager': return ['jobs'];
        case 'node': {
          const next: Record<string, string[]> = { '/': ['com'], '/com': ['ubuntu'], '/com/ubuntu': ['Upstart'] };
          return next[t.path] ?? this.o.engine.classes().map((c) => escapePathElement(c.name)).sort();
        }
        case 'job': return this.instancesOf(t.job).map((i) => escapePathElement(i));
        default: return [];
      }
    };
    return introspectXml(this.interfacesOf(t), children());
  }

  private instancesOf(job: string): string[] {
    try {
      return this.o.engine.status(job).map((s) => s.instance);
    } catch {
      return [];
    }
  }

  // ---- com.ubuntu.Upstart0_6 -----------------------------------------------------------------

  private async manager(member: string, a: Body, caller: Caller): Promise<Body> {
    const req = (r: TypedIn) => this.request({ ...r, id: 0 } as Typed, caller);
    switch (member) {
      case 'ReloadConfiguration': await req({ type: 'reload-configuration' }); return [];
      case 'GetJobByName': {
        const name = str(a[0]);
        await req({ type: 'status', job: name });
        return [jobPath(name)];
      }
      case 'GetAllJobs': {
        const all = (await req({ type: 'show-config' })) as Array<{ name: string }>;
        return [all.map((c) => jobPath(c.name))];
      }
      case 'GetEnv': {
        const scope = this.scope(strs(a[0]));
        const name = str(a[1]);
        if (scope.kind === 'global') return [(await req({ type: 'get-env', name })) as string];
        authorise({ type: 'get-env', id: 0, name }, caller, this.o);
        const v = this.o.engine.envList(scope).find(([k]) => k === name);
        if (v === undefined) throw new DbusFault(DBUS_ERROR.invalidArgs, NO_SUCH_VARIABLE);
        return [v[1]];
      }
      case 'ListEnv': {
        const scope = this.scope(strs(a[0]));
        authorise({ type: 'list-env', id: 0 }, caller, this.o);
        return [this.o.engine.envList(scope).map(([k, v]) => `${k}=${v}`)];
      }
      case 'SetEnv': case 'SetEnvList': {
        const vars = member === 'SetEnv' ? [str(a[1])] : strs(a[1]);
        const replace = a[2] as boolean;
        const pairs = vars.map((x): [string, string] => {
          const eq = x.indexOf('=');
          return eq === -1 ? [x, ''] : [x.slice(0, eq), x.slice(eq + 1)];
        });
        return this.env(strs(a[0]), caller, { type: 'set-env', name: pairs[0]?.[0] ?? '', value: '', retain: !replace }, (s) => this.o.engine.envSet(s, pairs, !replace));
      }
      case 'UnsetEnv': case 'UnsetEnvList': {
        const names = member === 'UnsetEnv' ? [str(a[1])] : strs(a[1]);
        return this.env(strs(a[0]), caller, { type: 'unset-env', name: names[0] ?? '' }, (s) => this.o.engine.envUnset(s, names, false));
      }
      case 'ResetEnv':
        return this.env(strs(a[0]), caller, { type: 'reset-env' }, (s) => this.o.engine.envReset(s, this.o.hooks.defaultJobEnv()));
      case 'EmitEvent':
        await req({ type: 'emit', name: str(a[0]), env: strs(a[1]), wait: a[2] as boolean });
        return [];
      case 'NotifyDiskWriteable': await req({ type: 'notify-disk-writeable' }); return [];
      case 'NotifyDBusAddress': case 'NotifyCGroupManagerAddress': {
        // Writes, as initctl's notify-* commands are.
        authorise({ type: 'notify-disk-writeable', id: 0 }, caller, this.o);
        if (this.o.hooks.notifyAddress === undefined) throw new DbusFault(DBUS_ERROR.notSupported, 'this init does not take addresses');
        this.o.hooks.notifyAddress(member === 'NotifyDBusAddress' ? 'dbus' : 'cgroup-manager', str(a[0]));
        return [];
      }
      case 'GetState': {
        // Upstart's is its serialised state (JSON); ours is our own state's JSON: environments are in it.
        authorise({ type: 'list-env', id: 0 }, caller, this.o);
        if (this.o.hooks.stateJson === undefined) throw new DbusFault(DBUS_ERROR.notSupported, 'this init cannot show its state');
        return [this.o.hooks.stateJson()];
      }
      case 'Restart':
        // `initctl reexec`: the reply is written before the exec (the re-exec waits for it); the
        // connection then ends with the old image, and the new one serves the same socket.
        await req({ type: 'reexec' });
        return [];
      case 'EndSession': {
        authorise({ type: 'reexec', id: 0 }, caller, this.o);
        if (this.o.mode === 'system' || this.o.hooks.endSession === undefined) {
          throw new DbusFault(DBUS_ERROR.notSupported, 'EndSession ends a session init; this is the system init (shutdown(8) stops it)');
        }
        this.o.hooks.endSession();
        return [];
      }
      default:
        throw new DbusFault(DBUS_ERROR.unknownMethod, `No such method '${member}' in interface '${IFACE_MANAGER}'`);
    }
  }

  /**
   * EmitEventWithFile(name, env, wait, file): the event as EmitEvent, and the fd goes to the jobs it
   * starts as UPSTART_FDS (and LISTEN_FDS) through the daemon's fd store, under a name the event
   * carries in LISTEN_FDNAMES; the daemon closes its copy once the event has finished. The one fd
   * kept is spliced out of `fds`; the caller closes what is left there.
   */
  private async emitWithFile(a: Body, fds: number[], caller: Caller): Promise<Body> {
    const keep = this.o.hooks.eventFd;
    const index = a[3] as number;
    if (fds.length === 0) throw new DbusFault(DBUS_ERROR.invalidArgs, 'EmitEventWithFile: no file descriptor came with the call');
    if (index >= fds.length) throw new DbusFault(DBUS_ERROR.invalidArgs, `EmitEventWithFile: fd index ${index}, but ${fds.length} came with the call`);
    authorise({ type: 'emit', id: 0, name: str(a[0]), env: strs(a[1]), wait: false }, caller, this.o);
    if (keep === undefined) throw new DbusFault(DBUS_ERROR.notSupported, 'EmitEventWithFile: this init cannot pass file descriptors to jobs; use EmitEvent');
    // Taken out of the call's fds before anything can fail: the caller closes the others.
    const [fd] = fds.splice(index, 1);
    let stored: string;
    try {
      stored = keep.keep(fd!);
    } catch (err) {
      throw new DbusFault(DBUS_ERROR.failed, `EmitEventWithFile: ${(err as Error).message}`);
    }
    // The event names this fd, and only this one, for the jobs it starts.
    const env = [...strs(a[1]).filter((e) => !e.startsWith('LISTEN_FDNAMES=')), `LISTEN_FDNAMES=${stored}`];
    const done = this.request({ type: 'emit', id: 0, name: str(a[0]), env, wait: true } as Typed, caller)
      .finally(() => keep.forget(stored));
    if (a[2] === true) await done;
    else done.catch(() => undefined);
    return [];
  }

  /** job_details: [] → the global table; [JOB] or [JOB, INSTANCE] → that instance's own. */
  private scope(details: string[]): EnvScope {
    if (details.length === 0) return { kind: 'global' };
    if (details.length > 2) throw new DbusFault(DBUS_ERROR.invalidArgs, 'job_details is [] or [JOB] or [JOB, INSTANCE]');
    return { kind: 'instance', job: details[0]!, instance: details[1] ?? '' };
  }

  /** set/unset/reset-env: the global table through its Request; an instance's own table through the engine, authorised alike. */
  private async env(details: string[], caller: Caller, r: TypedIn, onScope: (s: EnvScope) => void): Promise<Body> {
    const scope = this.scope(details);
    authorise({ ...r, id: 0 } as Typed, caller, this.o);
    onScope(scope);
    return [];
  }

  // ---- com.ubuntu.Upstart0_6.Job -------------------------------------------------------------

  private async job(job: string, member: string, a: Body, caller: Caller): Promise<Body> {
    const statusOf = async (instance?: string) => (await this.request({ type: 'status', id: 0, job, ...(instance !== undefined ? { instance } : {}) }, caller)) as Array<{ instance: string }>;
    switch (member) {
      case 'GetInstance': case 'GetInstanceByName': {
        const name = member === 'GetInstance' ? this.o.engine.instanceOf(job, strs(a[0])) : str(a[0]);
        const list = await statusOf(name);
        if (list.length === 0) throw unknownInstance(name);
        return [instancePath(job, name)];
      }
      case 'GetAllInstances':
        return [(await statusOf()).map((s) => instancePath(job, s.instance))];
      case 'Start': case 'Restart': case 'Stop': {
        const type = member === 'Start' ? 'start' : member === 'Stop' ? 'stop' : 'restart';
        if (type !== 'start') {
          // Stop and Restart act on an instance that exists: none is UnknownInstance, as in Upstart
          // (its initctl prints `initctl: Unknown instance: ` for a stopped singleton).
          const name = this.o.engine.instanceOf(job, strs(a[0]));
          if ((await statusOf(name)).length === 0) throw unknownInstance(name);
        }
        const st = (await this.request({ type, id: 0, job, env: strs(a[0]), wait: a[1] as boolean }, caller)) as { instance: string };
        return member === 'Stop' ? [] : [instancePath(job, st.instance)];
      }
    }
    throw new DbusFault(DBUS_ERROR.unknownMethod, `No such method '${member}'`);
  }

  // ---- com.ubuntu.Upstart0_6.Instance --------------------------------------------------------

  /** KEY=VALUE pairs that select this instance again: the variables its `instance` stanza names, from its own table. */
  private selectorOf(job: string, instance: string): string[] {
    const list = this.o.engine.status(job, instance);
    if (list.length === 0) throw noObject('Instance method', instance);
    const stanza = this.o.engine.getClass(job)?.instance;
    if (instance === '' || stanza === undefined) return [];
    const names = new Set([...stanza.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((x) => x[1]!));
    const env = this.o.engine.envList({ kind: 'instance', job, instance }).filter(([k]) => names.has(k)).map(([k, v]) => `${k}=${v}`);
    if (this.o.engine.instanceOf(job, env) !== instance) {
      throw new DbusFault(DBUS_ERROR.failed, `cannot select instance ${instance} of ${job} again from its environment`);
    }
    return env;
  }

  private async instance(job: string, instance: string, member: string, a: Body, caller: Caller): Promise<Body> {
    const env = this.selectorOf(job, instance);
    switch (member) {
      case 'Start': case 'Stop': case 'Restart': {
        const type = member === 'Start' ? 'start' : member === 'Stop' ? 'stop' : 'restart';
        await this.request({ type, id: 0, job, env, wait: a[0] as boolean }, caller);
        return [];
      }
      case 'Reload':
        await this.request({ type: 'reload', id: 0, job, env }, caller);
        return [];
    }
    throw new DbusFault(DBUS_ERROR.unknownMethod, `No such method '${member}'`);
  }

  // ---- org.freedesktop.DBus.Properties -------------------------------------------------------

  private async propertiesOf(t: PathTarget, caller: Caller): Promise<Array<{ iface: InterfaceSpec; values: Record<string, DbusValue> }>> {
    if (t.kind === 'manager') {
      const version = (await this.request({ type: 'version', id: 0 }, caller)) as string;
      const priority = (await this.request({ type: 'get-log-priority', id: 0 }, caller)) as string;
      return [{ iface: MANAGER, values: { version, log_priority: priority } }];
    }
    if (t.kind === 'job') {
      await this.request({ type: 'status', id: 0, job: t.job }, caller);
      const spec = this.o.engine.getClass(t.job);
      if (spec === undefined) throw new DbusFault(UPSTART_ERRORS.unknownJob, `Unknown job: ${t.job}`);
      return [{ iface: JOB, values: jobProperties(spec) }];
    }
    if (t.kind === 'instance') {
      const list = (await this.request({ type: 'status', id: 0, job: t.job, instance: t.instance }, caller)) as Parameters<typeof instanceProperties>[0][];
      const st = list[0];
      if (st === undefined) throw noObject('Properties', t.instance);
      return [{ iface: INSTANCE, values: instanceProperties(st) }];
    }
    return [];
  }

  private async properties(t: PathTarget, member: string, a: Body, caller: Caller): Promise<Body> {
    const ifaceName = str(a[0]);
    const all = await this.propertiesOf(t, caller);
    const pick = all.filter((x) => ifaceName === '' || x.iface.name === ifaceName);
    if (pick.length === 0 && ifaceName !== '') throw new DbusFault(DBUS_ERROR.unknownInterface, `No such interface '${ifaceName}' with properties`);
    const typed = (iface: InterfaceSpec, name: string, v: DbusValue): Variant => ({ sig: iface.properties.find((p) => p.name === name)!.type, value: v });
    if (member === 'GetAll') {
      return [pick.flatMap((x) => Object.entries(x.values).map(([k, v]) => [k, typed(x.iface, k, v)]))];
    }
    const prop = str(a[1]);
    const hit = pick.find((x) => Object.hasOwn(x.values, prop));
    if (hit === undefined) throw new DbusFault(DBUS_ERROR.unknownProperty, `No such property '${prop}'`);
    if (member === 'Get') return [typed(hit.iface, prop, hit.values[prop]!)];
    // Set: only log_priority is writable.
    const spec = hit.iface.properties.find((p) => p.name === prop)!;
    if (spec.access !== 'readwrite') throw new DbusFault(DBUS_ERROR.propertyReadOnly, `Property '${prop}' is read-only`);
    const v = a[2] as Variant;
    if (v.sig !== spec.type) throw new DbusFault(DBUS_ERROR.invalidArgs, `Property '${prop}' has type '${spec.type}', not '${v.sig}'`);
    await this.request({ type: 'set-log-priority', id: 0, priority: v.value as string }, caller);
    return [];
  }
}

const NO_SUCH_VARIABLE = 'No such variable';
/** Upstart's fixed texts where ours name the job, event or reason (Upstart's initctl prints them as they are). */
const FAILED_TEXT: Record<string, string> = {
  EmitEvent: 'Event failed',
  Start: 'Job failed to start',
  Stop: 'Job failed while stopping',
  Restart: 'Job failed to restart',
};

function upstartText(f: DbusFault, member: string, err: EngineError): DbusFault {
  if (err.code === 'failed' && FAILED_TEXT[member] !== undefined) return new DbusFault(f.errorName, FAILED_TEXT[member]);
  if (err.code === 'invalid' && (member === 'GetEnv' || member === 'UnsetEnv' || member === 'UnsetEnvList') && err.message.startsWith(NO_SUCH_VARIABLE)) {
    return new DbusFault(f.errorName, NO_SUCH_VARIABLE);
  }
  return f;
}

/** Upstart's error for an instance that is not there: its text names the instance only (`''` for a job without `instance`). */
function unknownInstance(name: string): DbusFault {
  return new DbusFault(UPSTART_ERRORS.unknownInstance, `Unknown instance: ${name}`);
}

/**
 * A call on the path of an instance that is gone. Upstart unregisters an instance's object when it
 * ends, so libdbus answers such a call as one on a path nobody registered: UnknownMethod. Upstart's
 * initctl relies on that: after `stop` it reads the instance's properties and prints
 * `JOB stop/waiting` on UnknownMethod (on any other error it fails).
 */
function noObject(what: string, instance: string): DbusFault {
  return new DbusFault(DBUS_ERROR.unknownMethod, `${what} on instance '${instance}': no such object (the instance has ended)`);
}

let machine: string | undefined;
function machineId(): string {
  if (machine !== undefined) return machine;
  for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      machine = readFileSync(f, 'utf8').trim();
      if (machine !== '') return machine;
    } catch {
      // try the next
    }
  }
  throw new DbusFault(DBUS_ERROR.failed, 'no machine id (/etc/machine-id)');
}
