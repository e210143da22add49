/* bench/boot baseline: the same work as each boot scenario done by a plain C fork/exec/wait loop; prints microseconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

/*
 * With a cgroup directory (`cg`, cgroup v2): each child is born in a cgroup of its own, made under
 * it just before the fork (clone3 with CLONE_INTO_CGROUP, as the daemon's spawner does), and that
 * cgroup is removed once the child is gone. The work a supervisor with a cgroup per job cannot skip.
 */
static const char *cg = NULL;
static int cg_seq = 0;

static int cg_make(char *path, size_t size) {
  snprintf(path, size, "%s/c%d", cg, cg_seq++);
  if (mkdir(path, 0755) < 0) die("mkdir cgroup");
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die("open cgroup");
  return fd;
}

static pid_t fork_into(int cgfd) {
  if (cgfd < 0) return fork();
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = (unsigned long long)cgfd;
  long r = syscall(SYS_clone3, &args, sizeof args);
  if (r < 0) die("clone3 CLONE_INTO_CGROUP");
  return (pid_t)r;
}

/* Removes the cgroups made so far (every child in them is gone). */
static void cg_remove_all(void) {
  if (!cg) return;
  char path[4096];
  for (int i = 0; i < cg_seq; i++) {
    snprintf(path, sizeof path, "%s/c%d", cg, i);
    if (rmdir(path) < 0 && errno != ENOENT) die("rmdir cgroup");
  }
  cg_seq = 0;
}

/*
 * Forks and execs argv. The child holds `gate` (the write end of a pipe, close-on-exec), so the
 * pipe reads EOF once every child holding it has exec'd. With `pty`, the child gets a new pty as
 * its session's controlling terminal on fds 0-2, as a `console log` job does; the master is kept.
 */
static pid_t start(char *const argv[], int gate, int pty, int *master_out) {
  int master = -1, slave = -1;
  if (pty) {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) die("openpt");
    slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) die("open slave");
  }
  char cgpath[4096];
  int cgfd = cg ? cg_make(cgpath, sizeof cgpath) : -1;
  pid_t pid = fork_into(cgfd);
  if (pid < 0) die("fork");
  if (pid == 0) {
    (void)gate; /* inherited; closed by exec */
    setsid();
    if (pty) {
      ioctl(slave, TIOCSCTTY, 0);
      dup2(slave, 0);
      dup2(slave, 1);
      dup2(slave, 2);
    }
    execvp(argv[0], argv);
    _exit(127);
  }
  if (cgfd >= 0) close(cgfd);
  if (pty) {
    close(slave);
    *master_out = master;
  }
  return pid;
}

static int gate_pipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) < 0) die("pipe2");
  return fds[1];
}

/* Waits for EOF on the gate: every child that held the write end has exec'd (or died). */
static void wait_gate(int rd) {
  char b;
  while (read(rd, &b, 1) != 0) {
    if (errno != EINTR) die("read gate");
  }
  close(rd);
}

static char *sleep_argv[] = {"sleep", "3600", NULL};
static char *true_argv[] = {"true", NULL};

static void kill_all(pid_t *pids, int n) {
  for (int i = 0; i < n; i++) kill(pids[i], SIGKILL);
  for (int i = 0; i < n; i++) waitpid(pids[i], NULL, 0);
}

/* fanout N [pty [CGROUP_DIR]]: start N sleeps, time until all have exec'd (their cgroups go after the timing). */
static double fanout(int n, int pty) {
  pid_t *pids = calloc(n, sizeof *pids);
  int *masters = calloc(n, sizeof *masters);
  int g[2];
  double t0 = now_us();
  gate_pipe(g);
  for (int i = 0; i < n; i++) pids[i] = start(sleep_argv, g[1], pty, &masters[i]);
  close(g[1]);
  wait_gate(g[0]);
  double t = now_us() - t0;
  kill_all(pids, n);
  cg_remove_all();
  if (pty) for (int i = 0; i < n; i++) close(masters[i]);
  free(pids);
  free(masters);
  return t;
}

/* chain N [pty]: start N sleeps one after the other, each once the previous one has exec'd. */
static double chain(int n, int pty) {
  pid_t *pids = calloc(n, sizeof *pids);
  int *masters = calloc(n, sizeof *masters);
  double t0 = now_us();
  for (int i = 0; i < n; i++) {
    int g[2];
    gate_pipe(g);
    pids[i] = start(sleep_argv, g[1], pty, &masters[i]);
    close(g[1]);
    wait_gate(g[0]);
  }
  double t = now_us() - t0;
  kill_all(pids, n);
  if (pty) for (int i = 0; i < n; i++) close(masters[i]);
  free(pids);
  free(masters);
  return t;
}

/* tasks N [pty [CGROUP_DIR]]: start N `true`, then wait for every one to exit (and remove its cgroup). */
static double tasks(int n, int pty) {
  int *masters = calloc(n, sizeof *masters);
  double t0 = now_us();
  for (int i = 0; i < n; i++) start(true_argv, -1, pty, &masters[i]);
  for (int i = 0; i < n; i++) {
    if (wait(NULL) < 0) die("wait");
  }
  cg_remove_all();
  double t = now_us() - t0;
  if (pty) for (int i = 0; i < n; i++) close(masters[i]);
  free(masters);
  return t;
}

/* respawn N: a sleep is SIGKILLed; time until its replacement has exec'd; median of N rounds. */
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double respawn(int n, int pty) {
  double *t = calloc(n, sizeof *t);
  int master = -1;
  int g[2];
  gate_pipe(g);
  pid_t pid = start(sleep_argv, g[1], pty, &master);
  close(g[1]);
  wait_gate(g[0]);
  for (int i = 0; i < n; i++) {
    double t0 = now_us();
    kill(pid, SIGKILL);
    if (waitpid(pid, NULL, 0) < 0) die("waitpid");
    if (pty) close(master);
    gate_pipe(g);
    pid = start(sleep_argv, g[1], pty, &master);
    close(g[1]);
    wait_gate(g[0]);
    t[i] = now_us() - t0;
  }
  kill_all(&pid, 1);
  if (pty) close(master);
  qsort(t, n, sizeof *t, cmp_double);
  double m = t[n / 2];
  free(t);
  return m;
}

/* run N PROG ARGS...: fork/exec/wait PROG N times in a row; mean microseconds per run. */
static double run(int n, char **argv) {
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  double t0 = now_us();
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      dup2(devnull, 1);
      execvp(argv[0], argv);
      _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) die("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "baseline: %s exited with status %d\n", argv[0], st);
      exit(1);
    }
  }
  return (now_us() - t0) / n;
}

/* stamp FILE: writes this process's CLOCK_MONOTONIC time in microseconds to FILE (a job's first act). */
static int stamp(const char *file) {
  double t = now_us();
  FILE *f = fopen(file, "w");
  if (!f) die("fopen");
  fprintf(f, "%.1f\n", t);
  fclose(f);
  return 0;
}

/* VmRSS of this process in KiB (ru_maxrss would carry the high-water mark of the image before exec). */
static long vm_rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}

/* idle N SECONDS: N sleeping children supervised (blocked in wait); prints the CPU time used meanwhile and the RSS in KiB. */
static int idle(int n, int seconds) {
  pid_t *pids = calloc(n, sizeof *pids);
  int g[2];
  gate_pipe(g);
  for (int i = 0; i < n; i++) pids[i] = start(sleep_argv, g[1], 0, NULL);
  close(g[1]);
  wait_gate(g[0]);
  struct rusage a, b;
  getrusage(RUSAGE_SELF, &a);
  struct pollfd none;
  poll(&none, 0, seconds * 1000);
  getrusage(RUSAGE_SELF, &b);
  double cpu = (b.ru_utime.tv_sec - a.ru_utime.tv_sec) * 1e6 + (b.ru_utime.tv_usec - a.ru_utime.tv_usec) +
               (b.ru_stime.tv_sec - a.ru_stime.tv_sec) * 1e6 + (b.ru_stime.tv_usec - a.ru_stime.tv_usec);
  printf("%.1f %ld\n", cpu, vm_rss_kib());
  kill_all(pids, n);
  free(pids);
  return 0;
}

/*
 * firstjob STAMP PROG ARGS...: execs PROG (an init whose first job runs `baseline stamp STAMP`),
 * waits for STAMP to appear, prints the microseconds from the exec to the job's own clock reading,
 * then stops the init with SIGTERM and waits for it.
 */
static int firstjob(const char *file, char **argv) {
  unlink(file);
  double t0 = now_us();
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execvp(argv[0], argv);
    _exit(127);
  }
  double stamp = 0;
  for (;;) {
    FILE *f = fopen(file, "r");
    if (f) {
      int ok = fscanf(f, "%lf\n", &stamp) == 1;
      fclose(f);
      if (ok) break;
    }
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      fprintf(stderr, "baseline: %s exited before its first job ran\n", argv[0]);
      return 1;
    }
    struct timespec ts = {0, 500000};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
  printf("%.1f\n", stamp - t0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: baseline fanout|tasks N [pty|nopty [CGROUP_DIR]] | chain|respawn N [pty] | run N PROG ARGS... | stamp FILE | firstjob STAMP PROG ARGS... | idle N SECONDS\n");
    return 2;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "stamp") == 0) return stamp(argv[2]);
  if (strcmp(mode, "firstjob") == 0 && argc > 3) return firstjob(argv[2], argv + 3);
  int n = atoi(argv[2]);
  int pty = argc > 3 && strcmp(argv[3], "pty") == 0;
  if (argc > 4 && (strcmp(mode, "fanout") == 0 || strcmp(mode, "tasks") == 0)) cg = argv[4];
  double us;
  if (strcmp(mode, "fanout") == 0) us = fanout(n, pty);
  else if (strcmp(mode, "chain") == 0) us = chain(n, pty);
  else if (strcmp(mode, "tasks") == 0) us = tasks(n, pty);
  else if (strcmp(mode, "respawn") == 0) us = respawn(n, pty);
  else if (strcmp(mode, "run") == 0 && argc > 3) us = run(n, argv + 3);
  else if (strcmp(mode, "idle") == 0 && argc > 3) return idle(n, atoi(argv[3]));
  else {
    fprintf(stderr, "baseline: unknown mode %s\n", mode);
    return 2;
  }
  printf("%.1f\n", us);
  return 0;
}
