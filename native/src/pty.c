/* openpty: a pty pair with the master non-blocking and close-on-exec, the slave close-on-exec too; a raw one from the stock when it has one. */
#include "common.h"
#include "pty_stock.h"
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

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
  /* Raw pairs (every job's `console log` pty) come from the stock (pty_stock.c), made on the first. */
  addon_state *st = state_of(env);
  if (raw && !st->ptys) st->ptys = pty_stock_new();
  pty_pair p;
  if (!(raw && st->ptys && pty_stock_take(st->ptys, &p))) {
    const char *what;
    int e = pty_pair_open(raw, &p, &what);
    if (e) return throw_syscall(env, what, e);
    if (raw && st->ptys) pty_stock_opened(st->ptys);
  }
  if (cols > 0 && rows > 0) {
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    ioctl(p.master, TIOCSWINSZ, &ws);
  }
  char path[32] = "";
  if (p.ptn >= 0) snprintf(path, sizeof path, "/dev/pts/%d", p.ptn);
  napi_value r;
  napi_create_object(env, &r);
  set_int(env, r, "master", p.master);
  set_int(env, r, "slave", p.slave);
  set_str(env, r, "path", path);
  return r;
}

void register_pty(napi_env env, napi_value exports) {
  set_fn(env, exports, "openpty", js_openpty);
}
