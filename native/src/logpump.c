/* Log pump, the N-API face: each pty master's output is read in large batches by the pool thread (logpump_pool.c) and
 * either written straight to the log fd ("direct", while the log is open and writable) or handed to JS in one callback
 * per batch ("relay"). */
#include "logpump.h"

static void on_closed(uv_handle_t *h) {
  pump *p = h->data;
  p->async_closed = true;
  if (p->js_released) pump_free(p);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  pump *p = data;
  p->js_released = true;
  if (p->async_closed) pump_free(p);
}

/* Runs on the loop: hands relayed bytes and state changes to the JS callback as one object. */
static void on_async(uv_async_t *h) {
  pump *p = h->data;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value ev, v;
  napi_create_object(env, &ev);
  pthread_mutex_lock(&p->mu);
  /* While a log fd waits for the pool, relayed bytes stay: the pool writes them before newer ones. */
  if (p->relay_len > 0 && (!p->set_file || p->done)) {
    void *data;
    napi_create_buffer_copy(env, p->relay_len, p->relay, &data, &v);
    napi_set_named_property(env, ev, "data", v);
    p->relay_len = 0;
    if (p->relay_cap > 4 * BATCH) { free(p->relay); p->relay = NULL; p->relay_cap = 0; }
  }
  if (p->went_active) {
    napi_get_boolean(env, true, &v);
    napi_set_named_property(env, ev, "active", v);
    p->went_active = false;
  }
  if (p->direct_ended) {
    set_int(env, ev, "directEnded", p->direct_errno);
    p->direct_ended = false;
  }
  bool done = p->done;
  if (done) {
    napi_get_boolean(env, p->ended, &v);
    napi_set_named_property(env, ev, "end", v);
    set_int(env, ev, "endErrno", p->end_errno);
  }
  if (p->waiting_room && !p->paused) pump_wake(p);
  pthread_mutex_unlock(&p->mu);
  set_int(env, ev, "written", (int64_t)atomic_load(&p->written));
  if (p->cb) call_back(env, p->cb, p->actx, ev);
  if (done && !p->async_closed) {
    if (p->cb) { napi_delete_reference(env, p->cb); p->cb = NULL; }
    napi_async_destroy(env, p->actx);
    uv_close((uv_handle_t *)&p->async, on_closed);
  }
  napi_close_handle_scope(env, scope);
}

static pump *arg_pump(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || !data) { throw_type(env, "expected a log pump handle"); return NULL; }
  return data;
}

/* pumpStart(master, callback) -> handle. The master must be non-blocking; JS keeps and closes it. */
static napi_value js_pump_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t master;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !arg_int32(env, argv[0], "master", &master)) return argc < 2 ? throw_type(env, "pumpStart(master, callback)") : NULL;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) return throw_type(env, "callback must be a function");
  pump *p = calloc(1, sizeof *p);
  if (!p) return throw_syscall(env, "calloc", ENOMEM);
  p->master = master;
  p->new_fd = -1;
  p->fd = -1;
  p->env = env;
  pthread_mutex_init(&p->mu, NULL);
  pthread_mutex_init(&p->readmu, NULL);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_async_init(loop, &p->async, on_async);
  p->async.data = p;
  napi_create_reference(env, argv[1], 1, &p->cb);
  napi_value name;
  napi_create_string_utf8(env, "upstart:logpump", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->actx);
  napi_value handle;
  napi_create_external(env, p, on_finalize, NULL, &handle);
  int err = 0;
  p->pool = pool_get(env, &err);
  /* Registered here, the master needs no wake-up of the loop thread (a context switch per pty in a fan-out);
   * if that fails (a registration left by an earlier pump on it, say), the pool's first step sees to it. */
  bool registered = p->pool && pool_register(p);
  pthread_mutex_lock(&p->mu);
  if (p->pool) {
    if (!registered) pump_wake(p);
  } else {
    /* Report it as a pump that ended at once with the error; JS falls back to reading itself. */
    p->done = true;
    p->end_errno = err;
    uv_async_send(&p->async);
  }
  pthread_mutex_unlock(&p->mu);
  return handle;
}

/* pumpSetFile(handle, fd, path): write straight to (a dup of) fd while path still names its file. */
static napi_value js_pump_set_file(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_type(env, "pumpSetFile(handle, fd, path)");
  pump *p = arg_pump(env, argv[0]);
  if (!p || !arg_int32(env, argv[1], "fd", &fd)) return NULL;
  char *path = arg_string(env, argv[2], "path");
  if (!path) return NULL;
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (dup < 0) { int e = errno; free(path); return throw_syscall(env, "fcntl", e); }
  pthread_mutex_lock(&p->mu);
  if (p->done) {
    /* Nothing will read again: keep no copy of the log fd. */
    close(dup);
    free(path);
  } else {
    if (p->new_fd >= 0) close(p->new_fd);
    free(p->new_path);
    p->new_fd = dup;
    p->new_path = path;
    p->set_file = true;
    pump_wake(p);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static napi_value with_pump(napi_env env, napi_callback_info info, void (*fn)(pump *, bool), bool needs_flag) {
  size_t argc = 2;
  napi_value argv[2];
  bool flag = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return throw_type(env, "expected a log pump handle");
  pump *p = arg_pump(env, argv[0]);
  if (!p) return NULL;
  if (needs_flag && (argc < 2 || !arg_bool(env, argv[1], &flag))) return argc < 2 ? throw_type(env, "expected a boolean") : NULL;
  pthread_mutex_lock(&p->mu);
  fn(p, flag);
  pump_wake(p);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static void do_clear(pump *p, bool f) { (void)f; p->clear_file = true; }
static void do_pause(pump *p, bool f) { p->paused = f; }
static void do_abandon(pump *p, bool f) {
  (void)f;
  atomic_store(&p->abandoned, true);
  /* A write for it may be stuck for good: it must not keep the loop alive. */
  if (!p->async_closed) uv_unref((uv_handle_t *)&p->async);
}

/* pumpClearFile(handle): stop writing directly (bytes are relayed again). */
static napi_value js_pump_clear_file(napi_env env, napi_callback_info info) { return with_pump(env, info, do_clear, false); }
/* pumpPause(handle, bool): stop (or resume) reading while relaying. */
static napi_value js_pump_pause(napi_env env, napi_callback_info info) { return with_pump(env, info, do_pause, true); }
/* pumpAbandon(handle): on return the pool reads the master no more (nor waits for it); it ends after any write in progress. */
static napi_value js_pump_abandon(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value h;
  napi_get_cb_info(env, info, &argc, &h, NULL, NULL);
  if (argc < 1) return throw_type(env, "expected a log pump handle");
  pump *p = arg_pump(env, h);
  if (!p) return NULL;
  pthread_mutex_lock(&p->mu);
  do_abandon(p, false);
  pump_wake(p);
  pthread_mutex_unlock(&p->mu);
  /* A batch of reads under way finishes first; the pool checks `abandoned` before the next. */
  pthread_mutex_lock(&p->readmu);
  pool_forget(p);
  pthread_mutex_unlock(&p->readmu);
  return NULL;
}

/*
 * pumpStop(handle, timeoutMs) -> Buffer | null | false, for a re-exec: the pool reads no more and, once any write in
 * progress has finished, ends; the bytes it had read but not yet handed over are returned (null if none) and are not
 * delivered to the callback. false: the pump did not end within timeoutMs (a write hangs); it is abandoned.
 * The master stays open (JS keeps it across execve).
 */
static napi_value js_pump_stop(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t timeout_ms = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "pumpStop(handle, timeoutMs)");
  pump *p = arg_pump(env, argv[0]);
  if (!p || !arg_int32(env, argv[1], "timeoutMs", &timeout_ms)) return NULL;
  pthread_mutex_lock(&p->mu);
  do_abandon(p, false);
  pump_wake(p);
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_lock(&p->readmu);
  pool_forget(p);
  pthread_mutex_unlock(&p->readmu);
  int64_t until = pump_now_ms() + timeout_ms;
  napi_value r;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    bool done = p->done;
    if (done) {
      if (p->relay_len > 0) {
        void *data;
        napi_create_buffer_copy(env, p->relay_len, p->relay, &data, &r);
        p->relay_len = 0;
      } else {
        napi_get_null(env, &r);
      }
    }
    pthread_mutex_unlock(&p->mu);
    if (done) return r;
    if (pump_now_ms() >= until) { napi_get_boolean(env, false, &r); return r; }
    struct timespec ts = { 0, 1000000 };
    nanosleep(&ts, NULL);
  }
}

/* pumpStatus(handle) -> { written, direct, busyMs } (busyMs: how long the current stat/write has taken, 0 if none). */
static napi_value js_pump_status(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value h, r;
  napi_get_cb_info(env, info, &argc, &h, NULL, NULL);
  if (argc < 1) return throw_type(env, "expected a log pump handle");
  pump *p = arg_pump(env, h);
  if (!p) return NULL;
  int64_t since = atomic_load(&p->busy_since_ms);
  napi_create_object(env, &r);
  set_int(env, r, "written", (int64_t)atomic_load(&p->written));
  set_int(env, r, "busyMs", since ? pump_now_ms() - since : 0);
  napi_value d;
  napi_get_boolean(env, atomic_load(&p->direct), &d);
  napi_set_named_property(env, r, "direct", d);
  return r;
}

void register_logpump(napi_env env, napi_value exports) {
  set_fn(env, exports, "pumpStart", js_pump_start);
  set_fn(env, exports, "pumpSetFile", js_pump_set_file);
  set_fn(env, exports, "pumpClearFile", js_pump_clear_file);
  set_fn(env, exports, "pumpPause", js_pump_pause);
  set_fn(env, exports, "pumpAbandon", js_pump_abandon);
  set_fn(env, exports, "pumpStop", js_pump_stop);
  set_fn(env, exports, "pumpStatus", js_pump_status);
}
