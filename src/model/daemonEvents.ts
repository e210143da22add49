// The events the daemon, its bridges and its tools emit themselves: one table, read by check-config and the emitters.

/** Each event with who emits it (init(5), upstart-events(7)); never reported by check-config. */
export const DAEMON_EVENTS = {
  startup: 'the daemon, once its configuration is loaded (--startup-event names another)',
  starting: 'a job instance about to start (JOB, INSTANCE)',
  started: 'a job instance now running (JOB, INSTANCE)',
  stopping: 'a job instance about to stop (JOB, INSTANCE, RESULT...)',
  stopped: 'a job instance now stopped (JOB, INSTANCE, RESULT...)',
  ready: 'a job saying it is ready: READY=1 on the notify socket, or initctl notify-ready (JOB, INSTANCE)',
  action: 'initctl action: a job\'s custom action ended (JOB, INSTANCE, ACTION, RESULT, EXIT_STATUS or EXIT_SIGNAL)',
  runlevel: 'telinit and the rc tools (RUNLEVEL, PREVLEVEL)',
  'control-alt-delete': 'the system init on SIGINT (the kernel\'s Ctrl-Alt-Delete)',
  'keyboard-request': 'the system init on SIGWINCH (the kernel\'s Alt-Up)',
  'power-status-changed': 'the daemon on SIGPWR',
  'session-end': 'a session init before it stops every job',
  file: 'upstart-file-bridge (FILE, EVENT, MATCH)',
  socket: 'upstart-socket-bridge (PROTO, PORT, ADDR or SOCKET_PATH, LISTEN_FDNAMES)',
  'net-device-added': 'upstart-netlink-bridge (INTERFACE, IFACE, IFINDEX)',
  'net-device-removed': 'upstart-netlink-bridge (INTERFACE, IFACE, IFINDEX)',
  'net-device-up': 'upstart-netlink-bridge (IFACE, LOGICAL)',
  'net-device-down': 'upstart-netlink-bridge (IFACE, LOGICAL)',
  dbus: 'upstart-dbus-bridge',
} as const;

export type DaemonEventName = keyof typeof DAEMON_EVENTS;

/** The names of DAEMON_EVENTS, in table order. */
export const DAEMON_EVENT_NAMES: readonly DaemonEventName[] = Object.keys(DAEMON_EVENTS) as DaemonEventName[];

export function isDaemonEvent(name: string): name is DaemonEventName {
  return Object.hasOwn(DAEMON_EVENTS, name);
}
