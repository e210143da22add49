/* openpty: a pty pair with the master non-blocking and close-on-exec, the slave close-on-exec too. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* openpty({ raw?, cols?, rows? }) -> { master, slave, path } */
static napi_value js_openpty(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value opts = NULL;
  bool raw = false, has;
  int32_t cols = 0, rows = 0;
  napi_get_cb_info(env, info, &argc, &opts, NULL, NULL);
  if (argc >= 1) {
    napi_valuetype t;
    napi_typeof(env, opts, &t);
    if (t == napi_object) {
      if (!arg_bool(env, get_prop(env, opts, "raw", &has), &raw)) return NULL;
      napi_value v = get_prop(env, opts, "cols", &has);
      if (has && !arg_int32(env, v, "cols", &cols)) return NULL;
      v = get_prop(env, opts, "rows", &has);
      if (has && !arg_int32(env, v, "rows", &rows)) return NULL;
    }
  }
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (master < 0) return throw_syscall(env, "open", errno);
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) { int e = errno; close(master); return throw_syscall(env, "ioctl", e); }
  char path[64] = "";
  int n;
  if (ioctl(master, TIOCGPTN, &n) == 0) snprintf(path, sizeof path, "/dev/pts/%d", n);
  /* TIOCGPTPEER opens the slave without a path lookup (works in containers with a private devpts). */
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0 && path[0]) slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) { int e = errno; close(master); return throw_syscall(env, "open", e); }
  if (raw) {
    struct termios tio;
    if (tcgetattr(slave, &tio) == 0) { cfmakeraw(&tio); tcsetattr(slave, TCSANOW, &tio); }
  }
  if (cols > 0 && rows > 0) {
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    ioctl(master, TIOCSWINSZ, &ws);
  }
  napi_value r;
  napi_create_object(env, &r);
  set_int(env, r, "master", master);
  set_int(env, r, "slave", slave);
  set_str(env, r, "path", path);
  return r;
}

void register_pty(napi_env env, napi_value exports) {
  set_fn(env, exports, "openpty", js_openpty);
}
