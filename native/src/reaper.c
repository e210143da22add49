/* The one reaper: a libuv SIGCHLD watcher (signal context only writes libuv's pipe) drains waitpid(-1). */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* The cgroup v2 path of pid ("/a/b", from the "0::" line of /proc/PID/cgroup) into buf; false if none. */
static bool cgroup_of(pid_t pid, char *buf, size_t size) {
  char path[64], text[4096];
  snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return false;
  text[n] = 0;
  for (char *line = text; line && *line; ) {
    char *next = strchr(line, '\n');
    if (next) *next++ = 0;
    if (strncmp(line, "0::", 3) == 0 && strlen(line + 3) < size) { strcpy(buf, line + 3); return true; }
    line = next;
  }
  return false;
}

/*
 * With cgroups: peek at the next child with a state change (waitid WNOWAIT) so that an exited one
 * is still a zombie whose /proc/PID/cgroup can be read, then collect that very child's status.
 */
static void drain_with_cgroups(napi_env env, napi_value *arr, uint32_t *n) {
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WNOHANG | WNOWAIT | __WALL) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (si.si_pid <= 0) break;
    char cg[1024];
    bool ended = si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED;
    bool has_cg = ended && cgroup_of(si.si_pid, cg, sizeof cg);
    int st;
    pid_t pid = waitpid(si.si_pid, &st, WNOHANG | WUNTRACED | __WALL);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) continue; /* a stop undone meanwhile: look again */
    if (!*arr) napi_create_array(env, arr);
    napi_value o = record(env, pid, st);
    if (has_cg) set_str(env, o, "cgroup", cg);
    napi_set_element(env, *arr, (*n)++, o);
  }
}

/* Collects every pending status into an array; returns NULL when there was none. */
static napi_value drain(napi_env env) {
  napi_value arr = NULL;
  uint32_t n = 0;
  if (state_of(env)->reaper_cgroups) {
    drain_with_cgroups(env, &arr, &n);
    return arr;
  }
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
  if (arr) call_back(env, r->callback, r->async, arr);
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

/* The one boolean argument of a call; false (with an exception pending) when it is missing or not a boolean. */
static bool the_bool(napi_env env, napi_callback_info info, bool *on) {
  size_t argc = 1;
  napi_value v;
  napi_get_cb_info(env, info, &argc, &v, NULL, NULL);
  if (argc < 1) { throw_type(env, "expected a boolean"); return false; }
  return arg_bool(env, v, on);
}

/* reaperRef(bool): whether the watcher keeps the event loop alive. */
static napi_value reaper_ref(napi_env env, napi_callback_info info) {
  bool on = false;
  if (!the_bool(env, info, &on)) return NULL;
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

/* reaperCgroups(on): whether exit records carry the child's cgroup v2 path. */
static napi_value reaper_cgroups(napi_env env, napi_callback_info info) {
  bool on = false;
  if (!the_bool(env, info, &on)) return NULL;
  state_of(env)->reaper_cgroups = on;
  return NULL;
}

void register_reaper(napi_env env, napi_value exports) {
  set_fn(env, exports, "reaperCgroups", reaper_cgroups);
  set_fn(env, exports, "startReaper", start_reaper);
  set_fn(env, exports, "stopReaper", stop_reaper);
  set_fn(env, exports, "reaperRef", reaper_ref);
  set_fn(env, exports, "reapNow", reap_now);
}
