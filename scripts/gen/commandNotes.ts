// What the site and initctl(8) say about each command beyond its one-line summary (the table's `summary`); Markdown.

export const COMMAND_NOTES: Readonly<Record<string, string>> = {
  start: `
Sets the job's goal to start and waits until it is running (a task: until it has run and stopped),
then prints its status: \`foo start/running, process 1234\`. \`KEY=VALUE\` pairs go into the job's
environment and pick the instance of an \`instance\` job. With \`--no-wait\` it returns at once.
Inside a job, \`start\` with no JOB acts on that job (\`UPSTART_JOB\`, \`UPSTART_INSTANCE\`).
A start that fails says which process failed and how; a job with a \`usage\` stanza shows it.`,
  stop: `
Sets the goal to stop: \`pre-stop\` runs, the main process gets its \`kill signal\` (TERM), then KILL
after \`kill timeout\` seconds; waits for \`stop/waiting\` unless \`--no-wait\`.`,
  restart: 'Stops and starts the job again, keeping its environment; the job must be running.',
  reload: 'Sends the job\'s `reload signal` (HUP unless the job names another) to its main process.',
  status: `
Prints \`JOB GOAL/STATE\`, with \`, process PID\` while a process runs; instances as
\`JOB (INSTANCE) GOAL/STATE\`; other processes (pre-start, post-stop, ...) on tab-indented lines.
\`--json\` prints the instances as objects.`,
  list: 'Every job and instance with its status, one per line, as `status` prints them.',
  emit: `
Emits EVENT with the \`KEY=VALUE\` pairs as its environment and waits until every job it started or
stopped has got there (\`--no-wait\`: returns at once). An event that a started job fails on makes
emit fail (exit 1), as in Upstart.`,
  usage: 'Prints the `usage` stanza of the job.',
  'notify-ready': `
Emits \`ready JOB=... INSTANCE=...\`: the job is ready (for \`expect ready\` and \`start on ready\`).
Without arguments, the calling job says it of itself; the same as \`READY=1\` on \`$NOTIFY_SOCKET\`.`,
  events: `
The event journal: each event with its environment and what it started or stopped.
\`--follow\` keeps printing new entries until interrupted. Only root or the session's owner may read it
(events carry environments).`,
  why: `
Why a job would (not) start or stop now: its \`start on\` and \`stop on\` trees with each leaf's
value and the event or state change that last set it.`,
  version: 'Prints the running daemon\'s version (`initctl --version` prints the client\'s).',
  'log-priority': 'With PRIORITY (`debug`, `info`, `message`, `warn`, `error`, `fatal`), sets it; without, prints it.',
  'reload-configuration': 'Reads every job file again. Running jobs keep the definition they started with until they stop.',
  'notify-disk-writeable': 'Says the log directory is writable now: log output held in memory since boot is written out.',
  'notify-dbus-address': 'Tells init the D-Bus address to give jobs (as Upstart, for session inits).',
  'notify-cgroup-manager-address': 'Accepted for Upstart\'s session tools; upstart-ts manages cgroups itself.',
  reexec: `
Execs a new daemon image in place and hands it every job class, instance, blocked event, timer
and log buffer: no job notices. \`--with-state=FILE\` writes the state to FILE as well.`,
  'list-sessions': 'Lists the session inits running on this machine: pid and `UPSTART_SESSION` address.',
  'show-config': 'Prints each job\'s `emits`, `start on` and `stop on`; `-e` expands the conditions into events.',
  'check-config': `
Reports jobs that can never start and conditions naming events that nothing emits (known events and
\`emits\` stanzas count). \`--ignore-events=a,b\` leaves those out; exits 1 when it finds a problem.`,
  'list-env': 'The job environment table (`--global`: the one every job inherits).',
  'get-env': 'One variable of the job environment table.',
  'set-env': 'Sets variables in the job environment table; `--retain` keeps an existing value.',
  'unset-env': 'Removes variables from the job environment table.',
  'reset-env': 'Puts the job environment table back as init started with.',
  graph: `
What starts and stops what, as a GraphViz graph: \`initctl graph | dot -Tsvg > jobs.svg\`.
\`--restrict-to-jobs=a,b\` keeps those jobs and their neighbours; \`--json\` prints nodes and edges.`,
  plot: `
The job timeline as SVG, from the event journal: one labelled bar per job instance from starting to
stopped, an arrow from the event that started it, a legend and a time axis.
\`initctl plot > boot.svg\`; \`--since\`/\`--until\` (seconds since the daemon started) choose the window,
\`--json\` prints the spans.`,
  'install-aliases': `
Makes \`initctl\`, \`start\`, \`stop\`, \`restart\`, \`reload\`, \`status\` links to this client in DIR,
and \`shutdown\`, \`reboot\`, \`halt\`, \`poweroff\`, \`telinit\`, \`runlevel\`, \`service\` and \`upstart-rc\`
links to the commands beside it. Run by the client; no daemon needed.`,
};
