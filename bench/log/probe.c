/* bench log's status prober: runs `INITCTL status JOB` one after another until its stdin closes, and prints each answer's wall time. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* usage: probe INITCTL JOB INTERVAL_MS
 * One line per answer on stdout: "MS OK" where OK is 1 when the reply began "JOB start/running".
 * A C loop (posix_spawn, read the reply, waitpid) so the figure is initctl's and the daemon's, not the harness's. */
int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: probe INITCTL JOB INTERVAL_MS\n"); return 2; }
  const char *initctl = argv[1], *job = argv[2];
  int interval = atoi(argv[3]);
  char want[256];
  snprintf(want, sizeof want, "%s start/running", job);
  char *args[] = { (char *)initctl, "status", (char *)job, NULL };
  for (;;) {
    struct pollfd in = { 0, POLLIN, 0 };
    int pr = poll(&in, 1, interval);
    if (pr < 0 && errno != EINTR) break;
    if (pr > 0) {
      char c;
      if (read(0, &c, 1) <= 0) break; /* the bench closed our stdin: stop */
    }
    int out[2];
    if (pipe(out) != 0) { perror("pipe"); return 1; }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, out[1]);
    double t0 = now_ms();
    pid_t pid;
    int err = posix_spawn(&pid, initctl, &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (err != 0) { fprintf(stderr, "probe: %s: %s\n", initctl, strerror(err)); return 1; }
    char reply[512];
    size_t len = 0;
    ssize_t n;
    while ((n = read(out[0], reply + len, sizeof reply - 1 - len)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) len += (size_t)n;
      if (len == sizeof reply - 1) break;
    }
    close(out[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    double ms = now_ms() - t0;
    reply[len] = 0;
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && strncmp(reply, want, strlen(want)) == 0;
    printf("%.3f %d\n", ms, ok);
    fflush(stdout);
  }
  return 0;
}
