/* initctl list-sessions, answered by the client from the caller's session files (no daemon needed). */
#ifndef INITCTL_SESSIONS_H
#define INITCTL_SESSIONS_H

/*
 * Whether argv (from its command word at `command_at`) is a list-sessions the client answers
 * itself: no operand, only global options. Sets *json for --json. Anything else goes to the
 * daemon, which reports the usage error.
 */
int is_local_list_sessions(char **args, int nargs, int command_at, int *json);

/* Prints `PID UPSTART_SESSION` (or --json) for each live session init of the caller; the exit status. */
int list_sessions(int json);

#endif
