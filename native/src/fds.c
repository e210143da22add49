/* File descriptor control: close-on-exec, non-blocking, pipes, memfds, close, isatty. */
#include "common.h"
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static bool fd_arg(napi_env env, napi_callback_info info, int32_t *fd, napi_value *second) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) { throw_type(env, "fd is required"); return false; }
  if (second) *second = argc >= 2 ? argv[1] : NULL;
  return arg_int32(env, argv[0], "fd", fd);
}

static napi_value set_flag(napi_env env, napi_callback_info info, int getcmd, int setcmd, int flag) {
  int32_t fd;
  napi_value v;
  bool on = true;
  if (!fd_arg(env, info, &fd, &v)) return NULL;
  if (v && !arg_bool(env, v, &on)) return NULL;
  int fl = fcntl(fd, getcmd);
  if (fl < 0) return throw_syscall(env, "fcntl", errno);
  int nfl = on ? fl | flag : fl & ~flag;
  if (nfl != fl && fcntl(fd, setcmd, nfl) < 0) return throw_syscall(env, "fcntl", errno);
  return NULL;
}

/* setCloexec(fd, on = true) */
static napi_value set_cloexec(napi_env env, napi_callback_info info) {
  return set_flag(env, info, F_GETFD, F_SETFD, FD_CLOEXEC);
}

/* setNonblock(fd, on = true) */
static napi_value set_nonblock(napi_env env, napi_callback_info info) {
  return set_flag(env, info, F_GETFL, F_SETFL, O_NONBLOCK);
}

/* getCloexec(fd) -> boolean */
static napi_value get_cloexec(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_arg(env, info, &fd, NULL)) return NULL;
  int fl = fcntl(fd, F_GETFD);
  if (fl < 0) return throw_syscall(env, "fcntl", errno);
  napi_value r;
  napi_get_boolean(env, (fl & FD_CLOEXEC) != 0, &r);
  return r;
}

/* pipe() -> [readFd, writeFd], both close-on-exec, blocking. */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return throw_syscall(env, "pipe2", errno);
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, make_int(env, p[0]));
  napi_set_element(env, arr, 1, make_int(env, p[1]));
  return arr;
}

/* close(fd): EINTR counts as closed (Linux always releases the fd). */
static napi_value js_close(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_arg(env, info, &fd, NULL)) return NULL;
  if (close(fd) < 0 && errno != EINTR) return throw_syscall(env, "close", errno);
  return NULL;
}

static napi_value js_isatty(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_arg(env, info, &fd, NULL)) return NULL;
  napi_value r;
  napi_get_boolean(env, isatty(fd) == 1, &r);
  return r;
}

/* dup(fd) -> new fd (close-on-exec, >= 3) */
static napi_value js_dup(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_arg(env, info, &fd, NULL)) return NULL;
  int n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (n < 0) return throw_syscall(env, "fcntl", errno);
  return make_int(env, n);
}

/* memfdCreate(name) -> fd of an anonymous memory file, close-on-exec (the re-exec state goes in one). */
static napi_value js_memfd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value v;
  napi_get_cb_info(env, info, &argc, &v, NULL, NULL);
  if (argc < 1) return throw_type(env, "name is required");
  char *name = arg_string(env, v, "name");
  if (!name) return NULL;
  int fd = memfd_create(name, MFD_CLOEXEC);
  int e = errno;
  free(name);
  if (fd < 0) return throw_syscall(env, "memfd_create", e);
  return make_int(env, fd);
}

void register_fds(napi_env env, napi_value exports) {
  set_fn(env, exports, "setCloexec", set_cloexec);
  set_fn(env, exports, "getCloexec", get_cloexec);
  set_fn(env, exports, "setNonblock", set_nonblock);
  set_fn(env, exports, "pipe", js_pipe);
  set_fn(env, exports, "close", js_close);
  set_fn(env, exports, "isatty", js_isatty);
  set_fn(env, exports, "dup", js_dup);
  set_fn(env, exports, "memfdCreate", js_memfd);
}
