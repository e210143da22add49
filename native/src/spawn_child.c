/* The child side of spawn: runs between clone(CLONE_VM|CLONE_VFORK) and execve, async-signal-safe only. */
#include "spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const spawn_stage_names[ST_COUNT] = {
  "none", "signals", "setsid", "stdio", "ctty", "nice", "oom_score_adj", "rlimit", "cgroup",
  "chroot", "chdir", "setgroups", "setgid", "setuid", "keepfds", "ptrace", "sigmask", "exec",
};

/* Reports {stage, errno} to the parent and exits; the pipe is close-on-exec so success says nothing. */
static int fail(const spawn_spec *s, int stage, int err) {
  int msg[2] = { stage, err };
  ssize_t w;
  do { w = write(s->err_fd, msg, sizeof msg); } while (w < 0 && errno == EINTR);
  _exit(127);
}

int spawn_child_main(void *arg) {
  const spawn_spec *s = arg;
  struct sigaction dfl;
  sigset_t empty;

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
  for (int i = 0; i < s->ncgroups; i++)
    if (write(s->cgroup_fds[i], "0\n", 2) < 0) fail(s, ST_CGROUP, errno);

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
