/* Process-wide calls: kill/killpg, child subreaper, reboot, sync, the console's keyboard signal, mount, execve for re-exec, the daemon's own rlimits. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/kd.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <unistd.h>

static size_t args(napi_env env, napi_callback_info info, napi_value *argv, size_t max) {
  size_t argc = max;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  for (size_t i = argc; i < max; i++) napi_get_undefined(env, &argv[i]);
  return argc;
}

/* kill(pid, signal): pid < 0 addresses the process group -pid. Throws SyscallError (ESRCH too). */
static napi_value js_kill(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int32_t pid, sig;
  args(env, info, a, 2);
  if (!arg_int32(env, a[0], "pid", &pid) || !arg_int32(env, a[1], "signal", &sig)) return NULL;
  if (kill(pid, sig) < 0) return throw_syscall(env, pid < 0 ? "killpg" : "kill", errno);
  return NULL;
}

/* sync(): flushes every filesystem's buffers (PID 1's last steps before reboot(2)). */
static napi_value js_sync(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  sync();
  return NULL;
}

/* setChildSubreaper(on) */
static napi_value set_subreaper(napi_env env, napi_callback_info info) {
  napi_value a[1];
  bool on;
  args(env, info, a, 1);
  if (!arg_bool(env, a[0], &on)) return NULL;
  if (prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) < 0) return throw_syscall(env, "prctl", errno);
  return NULL;
}

static napi_value get_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  int v = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) < 0) return throw_syscall(env, "prctl", errno);
  napi_value r;
  napi_get_boolean(env, v != 0, &r);
  return r;
}

/* reboot(cmd): RB_* command from constants; only returns on failure (or for CAD on/off). */
static napi_value js_reboot(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int32_t cmd;
  args(env, info, a, 1);
  if (!arg_int32(env, a[0], "cmd", &cmd)) return NULL;
  if (reboot(cmd) < 0) return throw_syscall(env, "reboot", errno);
  return NULL;
}

/* kdSigAccept(path, signal): the keyboard driver of console `path` sends `signal` to this process
 * for the KeyboardSignal key (Alt-Up on a PC keymap), which init turns into keyboard-request. */
static napi_value js_kd_sig_accept(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int32_t sig;
  args(env, info, a, 2);
  char *path = arg_string(env, a[0], "path");
  if (!path) return NULL;
  if (!arg_int32(env, a[1], "signal", &sig)) { free(path); return NULL; }
  int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  free(path);
  if (fd < 0) return throw_syscall(env, "open", errno);
  int r = ioctl(fd, KDSIGACCEPT, (unsigned long)sig);
  int e = errno;
  close(fd);
  if (r < 0) return throw_syscall(env, "ioctl", e);
  return NULL;
}

/* mount(source, target, fstype, flags, data|null): mount(2), for PID 1's own /proc, /sys, /dev, /dev/pts. */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value a[5];
  double flags;
  args(env, info, a, 5);
  if (napi_get_value_double(env, a[3], &flags) != napi_ok) return throw_type(env, "mount: flags must be a number");
  char *source = arg_string(env, a[0], "source");
  if (!source) return NULL;
  char *target = arg_string(env, a[1], "target");
  if (!target) { free(source); return NULL; }
  char *fstype = arg_string(env, a[2], "fstype");
  if (!fstype) { free(source); free(target); return NULL; }
  char *data = NULL;
  napi_valuetype t;
  napi_typeof(env, a[4], &t);
  if (t == napi_string && !(data = arg_string(env, a[4], "data"))) { free(source); free(target); free(fstype); return NULL; }
  int r = mount(source, target, fstype, (unsigned long)flags, data);
  int e = errno;
  free(source); free(target); free(fstype); free(data);
  if (r < 0) return throw_syscall(env, "mount", e);
  return NULL;
}

/* execve(path, argv, envp): replaces the process image; fds without FD_CLOEXEC survive. */
static napi_value js_execve(napi_env env, napi_callback_info info) {
  napi_value a[3];
  args(env, info, a, 3);
  char *path = arg_string(env, a[0], "path");
  if (!path) return NULL;
  char **argv = arg_string_array(env, a[1], "argv");
  if (!argv) { free(path); return NULL; }
  char **envp = arg_string_array(env, a[2], "envp");
  if (!envp) { free(path); free_string_array(argv); return NULL; }
  /* The new image starts with an empty mask and default handlers for everything we caught. */
  sigset_t empty;
  sigemptyset(&empty);
  pthread_sigmask(SIG_SETMASK, &empty, NULL);
  execve(path, argv, envp);
  int e = errno;
  free(path); free_string_array(argv); free_string_array(envp);
  return throw_syscall(env, "execve", e);
}

static napi_value limit_value(napi_env env, rlim_t v) {
  napi_value r;
  napi_create_double(env, v == RLIM_INFINITY ? INFINITY : (double)v, &r);
  return r;
}

/* getrlimit(resource) -> { soft, hard } (Infinity for unlimited) of the daemon itself. */
static napi_value js_getrlimit(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int32_t res;
  args(env, info, a, 1);
  if (!arg_int32(env, a[0], "resource", &res)) return NULL;
  struct rlimit rl;
  if (getrlimit(res, &rl) < 0) return throw_syscall(env, "getrlimit", errno);
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "soft", limit_value(env, rl.rlim_cur));
  napi_set_named_property(env, o, "hard", limit_value(env, rl.rlim_max));
  return o;
}

static rlim_t to_rlim(double v) {
  if (isinf(v) || v >= 18446744073709551615.0 || v < 0) return RLIM_INFINITY;
  return (rlim_t)v;
}

/* setrlimit(resource, soft, hard) on the daemon itself. */
static napi_value js_setrlimit(napi_env env, napi_callback_info info) {
  napi_value a[3];
  int32_t res;
  double soft, hard;
  args(env, info, a, 3);
  if (!arg_int32(env, a[0], "resource", &res) || !arg_double(env, a[1], "soft", &soft) ||
      !arg_double(env, a[2], "hard", &hard)) return NULL;
  struct rlimit rl = { to_rlim(soft), to_rlim(hard) };
  if (setrlimit(res, &rl) < 0) return throw_syscall(env, "setrlimit", errno);
  return NULL;
}

void register_proc(napi_env env, napi_value exports) {
  set_fn(env, exports, "kill", js_kill);
  set_fn(env, exports, "setChildSubreaper", set_subreaper);
  set_fn(env, exports, "getChildSubreaper", get_subreaper);
  set_fn(env, exports, "reboot", js_reboot);
  set_fn(env, exports, "sync", js_sync);
  set_fn(env, exports, "kdSigAccept", js_kd_sig_accept);
  set_fn(env, exports, "mount", js_mount);
  set_fn(env, exports, "execve", js_execve);
  set_fn(env, exports, "getrlimit", js_getrlimit);
  set_fn(env, exports, "setrlimit", js_setrlimit);
}
