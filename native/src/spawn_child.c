/* The child side of spawn: runs between clone(CLONE_VM|CLONE_VFORK) and execve, async-signal-safe only. */
#include "spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const spawn_stage_names[ST_COUNT] = {
  "none", "signals", "setsid", "stdio", "ctty", "nice", "oom_score_adj", "rlimit", "cgroup",
  "chroot", "chdir", "setgroups", "setgid", "setuid", "keepfds", "ptrace", "sigmask", "exec", "fdmap",
};

/* Reports {stage, errno} to the parent and exits; the pipe is close-on-exec so success says nothing. */
static int fail(const spawn_spec *s, int stage, int err) {
  int msg[2] = { stage, err };
  ssize_t w;
  do { w = write(s->err_fd, msg, sizeof msg); } while (w < 0 && errno == EINTR);
  _exit(127);
}

/* A message that is not a failure: the child goes on (the parent reads every message until EOF). */
static void note(const spawn_spec *s, int what, int err) {
  int msg[2] = { what, err };
  ssize_t w;
  do { w = write(s->err_fd, msg, sizeof msg); } while (w < 0 && errno == EINTR);
}

/* Writes the decimal pid after the '=' of `entry` (room for 20 digits was allocated). */
static void put_pid(char *entry) {
  char *p = entry;
  while (*p && *p != '=') p++;
  if (!*p) return;
  p++;
  long pid = syscall(SYS_getpid);
  char digits[24];
  int n = 0;
  do { digits[n++] = (char)('0' + pid % 10); pid /= 10; } while (pid > 0 && n < 20);
  while (n > 0) *p++ = digits[--n];
  *p = '\0';
}

/* fdMap: every source is first copied above every target (so no dup2 clobbers a source still needed), the
 * error pipe too if it sits on a target; then each copy is dup2'd onto its target (close-on-exec cleared). */
static void map_fds(spawn_spec *s) {
  int above = 3;
  for (int i = 0; i < s->nmap; i++) if (s->map_dst[i] + 1 > above) above = s->map_dst[i] + 1;
  for (int i = 0; i < s->nkeep; i++)
    for (int j = 0; j < s->nmap; j++)
      if (s->keep_fds[i] == s->map_dst[j]) fail(s, ST_FDMAP, EBUSY);
  for (int j = 0; j < s->nmap; j++) {
    if (s->err_fd == s->map_dst[j]) {
      int e = fcntl(s->err_fd, F_DUPFD_CLOEXEC, above);
      if (e < 0) fail(s, ST_FDMAP, errno);
      s->err_fd = e;
    }
  }
  int tmp[SPAWN_MAX_MAP];
  for (int i = 0; i < s->nmap; i++) {
    tmp[i] = fcntl(s->map_src[i], F_DUPFD_CLOEXEC, above);
    if (tmp[i] < 0) fail(s, ST_FDMAP, errno);
  }
  for (int i = 0; i < s->nmap; i++) {
    if (dup2(tmp[i], s->map_dst[i]) < 0) fail(s, ST_FDMAP, errno);
    close(tmp[i]);
  }
}

int spawn_child_main(void *arg) {
  const spawn_spec *s = arg;
  struct sigaction dfl;
  sigset_t empty;

  /* Born SCHED_BATCH from a spawner thread (spawn_async.c): the job runs as the daemon does. */
  if (s->unbatch) {
    struct sched_param sp = { 0 };
    sched_setscheduler(0, SCHED_OTHER, &sp);
  }

  /* Handlers to default (the mask still blocks everything, so nothing can run meanwhile). */
  dfl.sa_handler = SIG_DFL;
  dfl.sa_flags = 0;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &dfl, NULL); /* EINVAL for the libc-internal signals is expected */
  }

  if (s->new_session && setsid() < 0) fail(s, ST_SETSID, errno);

  /* stdio: move sources that sit on 0..2 out of the way first, so dup2 never clobbers one. */
  int src[3];
  for (int i = 0; i < 3; i++) {
    src[i] = s->stdio[i];
    if (src[i] >= 0 && src[i] < 3 && src[i] != i) {
      src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
      if (src[i] < 0) fail(s, ST_STDIO, errno);
    }
  }
  for (int i = 0; i < 3; i++) {
    if (src[i] == STDIO_INHERIT || src[i] == i) {
      /* Inherit means the daemon's own fd i, even if the runtime marked it close-on-exec. */
      int fl = fcntl(i, F_GETFD);
      if (fl >= 0 && (fl & FD_CLOEXEC) && fcntl(i, F_SETFD, fl & ~FD_CLOEXEC) < 0) fail(s, ST_STDIO, errno);
    } else if (dup2(src[i], i) < 0) {
      fail(s, ST_STDIO, errno);
    }
  }
  if (s->controlling_tty && ioctl(0, TIOCSCTTY, 0) < 0) fail(s, ST_CTTY, errno);

  if (s->has_umask) umask((mode_t)s->umask_value);
  if (s->has_nice && setpriority(PRIO_PROCESS, 0, s->nice_value) < 0) fail(s, ST_NICE, errno);
  if (s->has_oom) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(s, ST_OOM, errno);
    if (write(fd, s->oom_text, s->oom_len) < 0) fail(s, ST_OOM, errno);
    close(fd);
  }
  for (int i = 0; i < s->nrlimits; i++)
    if (setrlimit(s->rlimits[i].resource, &s->rlimits[i].lim) < 0) fail(s, ST_RLIMIT, errno);
  for (int i = s->cgroup0_joined ? 1 : 0; i < s->ncgroups; i++) {
    int fd = s->cgroup_fds[i];
    if (s->cgroups_in_child) {
      /* spawnStart: made and opened here, off the JS thread (the fd is the child's alone, close-on-exec). */
      if (i == 0 && s->cgroup0_create && mkdir(s->cgroup_dirs[0], 0755) < 0 && errno != EEXIST) fd = -1;
      else fd = open(s->cgroup_procs[i], O_WRONLY | O_CLOEXEC);
    } else if (fd < 0) {
      continue; /* an optional first cgroup that could not be made or opened: noted already */
    }
    if (fd >= 0 && write(fd, "0\n", 2) >= 0) continue;
    if (i > 0 || !s->cgroup0_optional) fail(s, ST_CGROUP, errno);
    note(s, ST_NOTE_CGROUP, errno);
  }

  if (s->chroot_dir) {
    if (chroot(s->chroot_dir) < 0) fail(s, ST_CHROOT, errno);
    if (!s->cwd && chdir("/") < 0) fail(s, ST_CHDIR, errno);
  }
  if (s->cwd && chdir(s->cwd) < 0) fail(s, ST_CHDIR, errno);

  /* Raw syscalls: glibc's set*id wrappers would try to broadcast to the parent's threads. */
  if (s->set_groups && syscall(SYS_setgroups, (size_t)s->ngroups, s->groups) < 0) fail(s, ST_SETGROUPS, errno);
  if (s->has_gid && syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0) fail(s, ST_SETGID, errno);
  if (s->has_uid && syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0) fail(s, ST_SETUID, errno);

  for (int i = 0; i < s->nkeep; i++) {
    int fl = fcntl(s->keep_fds[i], F_GETFD);
    if (fl < 0 || fcntl(s->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC) < 0) fail(s, ST_KEEPFDS, errno);
  }

  if (s->nmap > 0) map_fds((spawn_spec *)s);
  for (int i = 0; i < s->npidenv; i++) put_pid(s->pid_env[i]);

  if (s->trace_me && ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) fail(s, ST_PTRACE, errno);

  sigemptyset(&empty);
  if (sigprocmask(SIG_SETMASK, &empty, NULL) < 0) fail(s, ST_SIGMASK, errno);

  int err = ENOENT;
  bool saw_eacces = false;
  for (char **p = s->paths; *p; p++) {
    execve(*p, s->argv, s->envp);
    err = errno;
    if (err == EACCES) saw_eacces = true;
    else if (err != ENOENT && err != ENOTDIR) break;
  }
  if (saw_eacces && (err == ENOENT || err == ENOTDIR)) err = EACCES;
  return fail(s, ST_EXEC, err);
}
