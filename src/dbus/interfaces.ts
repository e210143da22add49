// Upstart 1.13's D-Bus interfaces as data (methods, signals, properties with their types), and their introspection XML.

export interface Arg {
  name: string;
  type: string;
}

export interface InterfaceSpec {
  name: string;
  methods: Array<{ name: string; in: Arg[]; out: Arg[] }>;
  signals: Array<{ name: string; args: Arg[] }>;
  properties: Array<{ name: string; type: string; access: 'read' | 'readwrite' }>;
}

const a = (name: string, type: string): Arg => ({ name, type });
const m = (name: string, inArgs: Arg[], out: Arg[] = []) => ({ name, in: inArgs, out });
const ro = (name: string, type: string) => ({ name, type, access: 'read' as const });

export const IFACE_MANAGER = 'com.ubuntu.Upstart0_6';
export const IFACE_JOB = 'com.ubuntu.Upstart0_6.Job';
export const IFACE_INSTANCE = 'com.ubuntu.Upstart0_6.Instance';
export const IFACE_PROPERTIES = 'org.freedesktop.DBus.Properties';
export const IFACE_INTROSPECTABLE = 'org.freedesktop.DBus.Introspectable';
export const IFACE_PEER = 'org.freedesktop.DBus.Peer';

const details = a('job_details', 'as');

export const MANAGER: InterfaceSpec = {
  name: IFACE_MANAGER,
  methods: [
    m('ReloadConfiguration', []),
    m('GetJobByName', [a('name', 's')], [a('job', 'o')]),
    m('GetAllJobs', [], [a('jobs', 'ao')]),
    m('GetState', [], [a('state', 's')]),
    m('Restart', []),
    m('GetEnv', [details, a('name', 's')], [a('value', 's')]),
    m('SetEnv', [details, a('var', 's'), a('replace', 'b')]),
    m('SetEnvList', [details, a('vars', 'as'), a('replace', 'b')]),
    m('UnsetEnv', [details, a('name', 's')]),
    m('UnsetEnvList', [details, a('name', 'as')]),
    m('ListEnv', [details], [a('env', 'as')]),
    m('ResetEnv', [details]),
    m('EmitEvent', [a('name', 's'), a('env', 'as'), a('wait', 'b')]),
    m('EmitEventWithFile', [a('name', 's'), a('env', 'as'), a('wait', 'b'), a('file', 'h')]),
    m('NotifyDiskWriteable', []),
    m('NotifyDBusAddress', [a('address', 's')]),
    m('NotifyCGroupManagerAddress', [a('address', 's')]),
    m('EndSession', []),
  ],
  signals: [
    { name: 'JobAdded', args: [a('job', 'o')] },
    { name: 'JobRemoved', args: [a('job', 'o')] },
    { name: 'EventEmitted', args: [a('name', 's'), a('env', 'as')] },
    { name: 'Restarted', args: [] },
  ],
  properties: [ro('version', 's'), { name: 'log_priority', type: 's', access: 'readwrite' }],
};

export const JOB: InterfaceSpec = {
  name: IFACE_JOB,
  methods: [
    m('GetInstance', [a('env', 'as')], [a('instance', 'o')]),
    m('GetInstanceByName', [a('name', 's')], [a('instance', 'o')]),
    m('GetAllInstances', [], [a('instances', 'ao')]),
    m('Start', [a('env', 'as'), a('wait', 'b')], [a('instance', 'o')]),
    m('Stop', [a('env', 'as'), a('wait', 'b')]),
    m('Restart', [a('env', 'as'), a('wait', 'b')], [a('instance', 'o')]),
  ],
  signals: [
    { name: 'InstanceAdded', args: [a('instance', 'o')] },
    { name: 'InstanceRemoved', args: [a('instance', 'o')] },
  ],
  properties: [
    ro('name', 's'), ro('description', 's'), ro('author', 's'), ro('version', 's'), ro('usage', 's'),
    ro('start_on', 'aas'), ro('stop_on', 'aas'), ro('emits', 'as'),
  ],
};

export const INSTANCE: InterfaceSpec = {
  name: IFACE_INSTANCE,
  methods: [
    m('Start', [a('wait', 'b')]),
    m('Stop', [a('wait', 'b')]),
    m('Restart', [a('wait', 'b')]),
    m('Reload', []),
  ],
  signals: [
    { name: 'GoalChanged', args: [a('goal', 's')] },
    { name: 'StateChanged', args: [a('state', 's')] },
    { name: 'Failed', args: [a('status', 'i')] },
  ],
  properties: [ro('name', 's'), ro('goal', 's'), ro('state', 's'), ro('processes', 'a(si)')],
};

export const PROPERTIES: InterfaceSpec = {
  name: IFACE_PROPERTIES,
  methods: [
    m('Get', [a('interface_name', 's'), a('property_name', 's')], [a('value', 'v')]),
    m('Set', [a('interface_name', 's'), a('property_name', 's'), a('value', 'v')]),
    m('GetAll', [a('interface_name', 's')], [a('props', 'a{sv}')]),
  ],
  signals: [{ name: 'PropertiesChanged', args: [a('interface_name', 's'), a('changed_properties', 'a{sv}'), a('invalidated_properties', 'as')] }],
  properties: [],
};

export const INTROSPECTABLE: InterfaceSpec = {
  name: IFACE_INTROSPECTABLE,
  methods: [m('Introspect', [], [a('xml_data', 's')])],
  signals: [],
  properties: [],
};

export const PEER: InterfaceSpec = {
  name: IFACE_PEER,
  methods: [m('Ping', []), m('GetMachineId', [], [a('machine_uuid', 's')])],
  signals: [],
  properties: [],
};

/** The signature a method takes (its in-arguments' types, concatenated). */
export const inSignature = (method: { in: Arg[] }): string => method.in.map((x) => x.type).join('');
export const outSignature = (method: { out: Arg[] }): string => method.out.map((x) => x.type).join('');

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function interfaceXml(i: InterfaceSpec): string {
  const lines = [`  <interface name="${i.name}">`];
  for (const meth of i.methods) {
    lines.push(`    <method name="${meth.name}">`);
    for (const x of meth.in) lines.push(`      <arg name="${x.name}" type="${x.type}" direction="in"/>`);
    for (const x of meth.out) lines.push(`      <arg name="${x.name}" type="${x.type}" direction="out"/>`);
    lines.push('    </method>');
  }
  for (const s of i.signals) {
    lines.push(`    <signal name="${s.name}">`);
    for (const x of s.args) lines.push(`      <arg name="${x.name}" type="${x.type}"/>`);
    lines.push('    </signal>');
  }
  for (const p of i.properties) lines.push(`    <property name="${p.name}" type="${p.type}" access="${p.access}"/>`);
  lines.push('  </interface>');
  return lines.join('\n');
}

/** The Introspect answer for a node: its interfaces and the names of its children. */
export function introspectXml(interfaces: InterfaceSpec[], children: string[]): string {
  return [
    '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"',
    ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">',
    '<node>',
    ...interfaces.map(interfaceXml),
    ...children.map((c) => `  <node name="${esc(c)}"/>`),
    '</node>',
    '',
  ].join('\n');
}
