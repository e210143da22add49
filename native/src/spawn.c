/* spawn(spec): clone(CLONE_VM|CLONE_VFORK) with all signals blocked; child errors come back over a pipe. */
#include "spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>


static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value opts;
  napi_get_cb_info(env, info, &argc, &opts, NULL, NULL);
  if (argc < 1) return throw_type(env, "spawn takes an options object");

  spawn_spec spec;
  if (!spawn_spec_parse(env, opts, &spec)) { spawn_spec_free(&spec); return NULL; }
  int failed = 0, note = 0;
  int cg_err = spawn_spec_open_cgroups(&spec, state_of(env)->removers, &failed, &note);
  if (cg_err) {
    napi_value r = throw_spawn(env, "cgroup", cg_err, spec.cgroup_dirs[failed]);
    spawn_spec_free(&spec);
    return r;
  }

  int errp[2];
  if (pipe2(errp, O_CLOEXEC) < 0) { int e = errno; spawn_spec_free(&spec); return throw_syscall(env, "pipe2", e); }
  spec.err_fd = errp[1];

  /* Mapped once: unmapping after every spawn would cost a TLB shootdown across Node's threads. */
  addon_state *st = state_of(env);
  if (!st->child_stack) {
    void *m = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      close(errp[0]); close(errp[1]); spawn_spec_free(&spec);
      return throw_syscall(env, "mmap", e);
    }
    st->child_stack = m;
  }
  void *stack = st->child_stack;

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(spawn_child_main, (char *)stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, &spec);
  int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(errp[1]);

  if (pid < 0) {
    close(errp[0]); spawn_spec_free(&spec);
    return throw_syscall(env, "clone", clone_err);
  }

  /* With CLONE_VFORK we resume only after the child exec'd or exited, so the pipe is complete. */
  int msg[2];
  ssize_t n;
  do { n = read(errp[0], msg, sizeof msg); } while (n < 0 && errno == EINTR);
  close(errp[0]);
  if (n == (ssize_t)sizeof msg) {
    int st;
    while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR) {}
    const char *stage = msg[0] > 0 && msg[0] < ST_COUNT ? spawn_stage_names[msg[0]] : "unknown";
    napi_value r = throw_spawn(env, stage, msg[1],
                               msg[0] == ST_CHROOT ? spec.chroot_dir : msg[0] == ST_CHDIR && spec.cwd ? spec.cwd : spec.file);
    spawn_spec_free(&spec);
    return r;
  }
  spawn_spec_free(&spec);
  return make_int(env, pid);
}

void register_spawn(napi_env env, napi_value exports) {
  set_fn(env, exports, "spawn", js_spawn);
}
