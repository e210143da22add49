/* The ptrace requests expect fork/daemon need: SETOPTIONS, CONT, GETEVENTMSG, DETACH. */
#include "common.h"
#include <errno.h>
#include <sys/ptrace.h>
#include <sys/types.h>

static bool two_ints(napi_env env, napi_callback_info info, int32_t *a, int32_t *b) {
  size_t argc = 2;
  napi_value v[2];
  napi_get_cb_info(env, info, &argc, v, NULL, NULL);
  if (argc < 1 || !arg_int32(env, v[0], "pid", a)) return argc < 1 ? (throw_type(env, "pid is required"), false) : false;
  *b = 0;
  if (argc >= 2 && b != NULL) {
    napi_valuetype t;
    napi_typeof(env, v[1], &t);
    if (t != napi_undefined && !arg_int32(env, v[1], "second argument", b)) return false;
  }
  return true;
}

static napi_value request(napi_env env, napi_callback_info info, enum __ptrace_request req, const char *name, bool data_is_int) {
  int32_t pid, data;
  if (!two_ints(env, info, &pid, &data)) return NULL;
  long r = ptrace(req, (pid_t)pid, NULL, data_is_int ? (void *)(long)data : NULL);
  if (r < 0) return throw_syscall(env, name, errno);
  return NULL;
}

/* ptraceSetOptions(pid, options) */
static napi_value set_options(napi_env env, napi_callback_info info) {
  return request(env, info, PTRACE_SETOPTIONS, "ptrace(PTRACE_SETOPTIONS)", true);
}
/* ptraceCont(pid, signal = 0) */
static napi_value cont(napi_env env, napi_callback_info info) {
  return request(env, info, PTRACE_CONT, "ptrace(PTRACE_CONT)", true);
}
/* ptraceDetach(pid, signal = 0) */
static napi_value detach(napi_env env, napi_callback_info info) {
  return request(env, info, PTRACE_DETACH, "ptrace(PTRACE_DETACH)", true);
}
/* ptraceGetEventMsg(pid) -> number (the new pid for a fork event) */
static napi_value get_event_msg(napi_env env, napi_callback_info info) {
  int32_t pid, unused;
  if (!two_ints(env, info, &pid, &unused)) return NULL;
  unsigned long msg = 0;
  if (ptrace(PTRACE_GETEVENTMSG, (pid_t)pid, NULL, &msg) < 0) return throw_syscall(env, "ptrace(PTRACE_GETEVENTMSG)", errno);
  return make_int(env, (int64_t)msg);
}

void register_ptrace(napi_env env, napi_value exports) {
  set_fn(env, exports, "ptraceSetOptions", set_options);
  set_fn(env, exports, "ptraceCont", cont);
  set_fn(env, exports, "ptraceDetach", detach);
  set_fn(env, exports, "ptraceGetEventMsg", get_event_msg);
}
