/* The one reaper: a libuv SIGCHLD watcher (signal context only writes libuv's pipe) drains waitpid(-1). */
#include "common.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

typedef struct reaper {
  uv_signal_t sig;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  bool active;
} reaper;

static void reaper_close_cb(uv_handle_t *h) { free(h->data); }

void reaper_free(reaper *r) {
  if (!r) return;
  uv_signal_stop(&r->sig);
  r->sig.data = r;
  uv_close((uv_handle_t *)&r->sig, reaper_close_cb);
}

/* One waitpid status as {pid, kind, status, signal, event}. */
static napi_value record(napi_env env, pid_t pid, int st) {
  napi_value o;
  napi_create_object(env, &o);
  set_int(env, o, "pid", pid);
  int status = 0, sig = 0, event = 0;
  const char *kind;
  if (WIFEXITED(st)) { kind = "exited"; status = WEXITSTATUS(st); }
  else if (WIFSIGNALED(st)) { kind = WCOREDUMP(st) ? "dumped" : "killed"; sig = WTERMSIG(st); }
  else if (WIFSTOPPED(st)) {
    sig = WSTOPSIG(st);
    event = (st >> 16) & 0xff;
    kind = event ? "event" : sig == SIGTRAP ? "trapped" : "stopped";
  } else if (WIFCONTINUED(st)) { kind = "continued"; sig = SIGCONT; }
  else kind = "unknown";
  set_str(env, o, "kind", kind);
  set_int(env, o, "status", status);
  set_int(env, o, "signal", sig);
  set_int(env, o, "event", event);
  return o;
}

/* Collects every pending status into an array; returns NULL when there was none. */
static napi_value drain(napi_env env) {
  napi_value arr = NULL;
  uint32_t n = 0;
  for (;;) {
    int st;
    pid_t pid = waitpid(-1, &st, WNOHANG | WUNTRACED | __WALL);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) break;
    if (!arr) napi_create_array(env, &arr);
    napi_set_element(env, arr, n++, record(env, pid, st));
  }
  return arr;
}

static void on_sigchld(uv_signal_t *h, int signum) {
  (void)signum;
  reaper *r = h->data;
  napi_env env = r->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arr = drain(env);
  if (arr) {
    napi_value cb, recv, result;
    napi_get_reference_value(env, r->callback, &cb);
    napi_get_global(env, &recv);
    if (napi_make_callback(env, r->async, recv, cb, 1, &arr, &result) == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* startReaper(callback): starts watching SIGCHLD; callback(records[]) runs on the event loop. */
static napi_value start_reaper(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value cb;
  napi_get_cb_info(env, info, &argc, &cb, NULL, NULL);
  napi_valuetype t;
  napi_typeof(env, cb, &t);
  if (t != napi_function) return throw_type(env, "startReaper takes a callback");
  addon_state *st = state_of(env);
  if (st->reaper && st->reaper->active) {
    napi_throw_error(env, "ERR_REAPER_RUNNING", "there is already a reaper in this process");
    return NULL;
  }
  reaper *r = st->reaper;
  if (!r) {
    r = calloc(1, sizeof *r);
    if (!r) return throw_syscall(env, "calloc", ENOMEM);
    uv_loop_t *loop;
    napi_get_uv_event_loop(env, &loop);
    uv_signal_init(loop, &r->sig);
    r->sig.data = r;
    r->env = env;
    napi_value name;
    napi_create_string_utf8(env, "upstart:reaper", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, NULL, name, &r->async);
    st->reaper = r;
  }
  napi_create_reference(env, cb, 1, &r->callback);
  int rc = uv_signal_start(&r->sig, on_sigchld, SIGCHLD);
  if (rc < 0) { napi_delete_reference(env, r->callback); r->callback = NULL; return throw_syscall(env, "uv_signal_start", -rc); }
  r->active = true;
  /* Children that ended before we started watching. */
  on_sigchld(&r->sig, SIGCHLD);
  return NULL;
}

static napi_value stop_reaper(napi_env env, napi_callback_info info) {
  (void)info;
  reaper *r = state_of(env)->reaper;
  if (r && r->active) {
    uv_signal_stop(&r->sig);
    napi_delete_reference(env, r->callback);
    r->callback = NULL;
    r->active = false;
  }
  return NULL;
}

/* reaperRef(bool): whether the watcher keeps the event loop alive. */
static napi_value reaper_ref(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value v;
  bool on = false;
  napi_get_cb_info(env, info, &argc, &v, NULL, NULL);
  if (argc < 1 || !arg_bool(env, v, &on)) return NULL;
  reaper *r = state_of(env)->reaper;
  if (r) { if (on) uv_ref((uv_handle_t *)&r->sig); else uv_unref((uv_handle_t *)&r->sig); }
  return NULL;
}

/* reapNow(): drains pending statuses synchronously and returns them (for the running reaper's owner). */
static napi_value reap_now(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr = drain(env);
  if (!arr) napi_create_array(env, &arr);
  return arr;
}

void register_reaper(napi_env env, napi_value exports) {
  set_fn(env, exports, "startReaper", start_reaper);
  set_fn(env, exports, "stopReaper", stop_reaper);
  set_fn(env, exports, "reaperRef", reaper_ref);
  set_fn(env, exports, "reapNow", reap_now);
}
