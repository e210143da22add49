/* Log pump: a thread per pty master that reads job output in large batches and either writes it straight to the log fd
 * ("direct", while the log is open and writable) or hands it to JS in one callback per batch ("relay"). */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH (256 * 1024)          /* most bytes read before one write or one hand-over */
#define RELAY_MAX (4 * 1024 * 1024) /* relayed bytes JS has not taken yet at which the thread stops reading */
#define HUP_RETRIES 500             /* POLLHUP with nothing to read: retry every 2 ms this often, then call it EOF */

/*
 * Invariants: only the thread reads the master, and it reads only while holding `mu` and not
 * `abandoned` (so after pumpAbandon() returns, the thread never reads again and JS may read the
 * master itself). Bytes leave in read order: relayed bytes JS has not taken when a log fd arrives
 * are written before anything read later (from pumpSetFile until the thread takes the fd, JS is
 * handed no relayed bytes). JS closes the master; the thread closes only its own
 * dup of the log fd. The struct is freed on the loop thread once the thread has finished (async
 * handle closed) and the JS handle was collected.
 */
typedef struct pump {
  int master;
  int wakefd;
  pthread_mutex_t mu;
  uv_async_t async;
  napi_env env;
  napi_ref cb;
  napi_async_context actx;
  /* under mu */
  char *relay;
  size_t relay_len, relay_cap;
  int new_fd;
  char *new_path;
  bool set_file, clear_file, paused, abandoned, waiting_room;
  bool direct_ended, ended, thread_done;
  int direct_errno, end_errno;
  /* loop thread only */
  bool async_closed, js_released;
  /* shared, lock-free */
  _Atomic uint64_t written;
  _Atomic int64_t busy_since_ms;
  _Atomic bool direct;
} pump;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wakes the thread (caller holds mu); a no-op once the thread has finished and its eventfd is closed. */
static void wake(pump *p) {
  if (p->wakefd < 0) return;
  uint64_t one = 1;
  ssize_t r = write(p->wakefd, &one, sizeof one);
  (void)r;
}

static void free_pump(pump *p) {
  pthread_mutex_destroy(&p->mu);
  if (p->wakefd >= 0) close(p->wakefd);
  free(p->relay);
  free(p->new_path);
  if (p->new_fd >= 0) close(p->new_fd);
  free(p);
}

/* Appends to the relay buffer (caller holds mu). Returns false when out of memory. */
static bool relay_append(pump *p, const char *buf, size_t len) {
  if (p->relay_len + len > p->relay_cap) {
    size_t cap = p->relay_cap ? p->relay_cap : 64 * 1024;
    while (cap < p->relay_len + len) cap *= 2;
    char *n = realloc(p->relay, cap);
    if (!n) return false;
    p->relay = n;
    p->relay_cap = cap;
  }
  memcpy(p->relay + p->relay_len, buf, len);
  p->relay_len += len;
  return true;
}

/* Writes buf to fd if path still names the file fd is open on. Returns bytes written; *why is
 * 0 when all were written, -1 when the file was renamed or deleted, else the write's errno. */
static size_t write_direct(pump *p, int fd, const char *path, dev_t dev, ino_t ino, const char *buf, size_t len, int *why) {
  size_t off = 0;
  struct stat st;
  *why = 0;
  atomic_store(&p->busy_since_ms, now_ms());
  if (stat(path, &st) != 0 || st.st_dev != dev || st.st_ino != ino) *why = -1;
  while (*why == 0 && off < len) {
    ssize_t n = write(fd, buf + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { *why = n < 0 ? errno : ENOSPC; break; }
    off += (size_t)n;
    atomic_fetch_add(&p->written, (uint64_t)n);
  }
  atomic_store(&p->busy_since_ms, 0);
  return off;
}

static void *pump_main(void *arg) {
  pump *p = arg;
  char *buf = malloc(BATCH);
  int fd = -1, hup_tries = 0, end_errno = 0;
  char *path = NULL;
  dev_t dev = 0;
  ino_t ino = 0;
  bool end = false, skip_poll = false;
  if (!buf) { end = true; end_errno = ENOMEM; }
  while (!end) {
    char *pending = NULL;
    size_t pending_len = 0;
    pthread_mutex_lock(&p->mu);
    if (p->abandoned) { pthread_mutex_unlock(&p->mu); break; }
    if ((p->clear_file || p->set_file) && fd >= 0) { close(fd); fd = -1; free(path); path = NULL; }
    p->clear_file = false;
    if (p->set_file) {
      struct stat st;
      p->set_file = false;
      if (fstat(p->new_fd, &st) == 0) {
        fd = p->new_fd;
        path = p->new_path;
        dev = st.st_dev;
        ino = st.st_ino;
        /* Relayed bytes JS has not taken yet were read first: they go first. */
        if (p->relay_len > 0) {
          pending = p->relay;
          pending_len = p->relay_len;
          p->relay = NULL;
          p->relay_len = p->relay_cap = 0;
        }
      } else {
        close(p->new_fd);
        free(p->new_path);
        p->direct_ended = true;
        p->direct_errno = errno;
        uv_async_send(&p->async);
      }
      p->new_fd = -1;
      p->new_path = NULL;
    }
    atomic_store(&p->direct, fd >= 0);
    bool wait_room = fd < 0 && (p->paused || p->relay_len >= RELAY_MAX);
    p->waiting_room = wait_room;
    pthread_mutex_unlock(&p->mu);

    if (pending) {
      int why;
      size_t n = write_direct(p, fd, path, dev, ino, pending, pending_len, &why);
      if (why != 0) {
        pthread_mutex_lock(&p->mu);
        /* Nothing was relayed meanwhile (we were not reading): the rest goes back as it was. */
        relay_append(p, pending + n, pending_len - n);
        p->direct_ended = true;
        p->direct_errno = why;
        pthread_mutex_unlock(&p->mu);
        close(fd); fd = -1; free(path); path = NULL;
        atomic_store(&p->direct, false);
        uv_async_send(&p->async);
      }
      free(pending);
      continue;
    }

    struct pollfd pf[2] = { { wait_room ? -1 : p->master, POLLIN, 0 }, { p->wakefd, POLLIN, 0 } };
    /* Right after a direct write the pty has usually refilled: read again before polling. */
    bool after_poll = !(skip_poll && fd >= 0);
    skip_poll = false;
    if (after_poll) {
      int pr = poll(pf, 2, hup_tries > 0 ? 2 : -1);
      if (pr < 0 && errno != EINTR) { end = true; end_errno = errno; break; }
      if (pf[1].revents & POLLIN) { uint64_t v; ssize_t r = read(p->wakefd, &v, sizeof v); (void)r; }
      if (wait_room || !(pf[0].revents || hup_tries > 0)) continue;
    }

    /*
     * While writing directly, read only what the line discipline already holds (FIONREAD) once
     * something was read: a read of an empty pty master waits for the tty layer's flush work
     * (a context switch per ~4 KiB), whereas writing what we have lets that work run meanwhile.
     * The first read after a poll is a plain one: it pulls pending input and sees the end.
     */
    bool ask = fd >= 0 && !after_poll;
    size_t len = 0;
    pthread_mutex_lock(&p->mu);
    if (p->abandoned) { pthread_mutex_unlock(&p->mu); break; }
    while (len < BATCH) {
      if (ask) {
        int avail = 0;
        if (ioctl(p->master, FIONREAD, &avail) == 0 && avail <= 0) break;
      }
      ssize_t n = read(p->master, buf + len, BATCH - len);
      if (n > 0) {
        len += (size_t)n;
        if (ask) break;
        ask = fd >= 0;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      end = true; /* 0 or EIO: every slave fd is closed and everything was read */
      end_errno = (n == 0 || errno == EIO) ? 0 : errno;
      break;
    }
    pthread_mutex_unlock(&p->mu);
    if (len == 0 && !end) {
      /* A hang-up with nothing readable yet: the kernel may still be handing bytes over. */
      if ((pf[0].revents & POLLHUP) || hup_tries > 0) {
        if (++hup_tries > HUP_RETRIES) end = true;
      }
      continue;
    }
    hup_tries = 0;
    if (len == 0) break;
    if (fd >= 0) {
      int why;
      size_t n = write_direct(p, fd, path, dev, ino, buf, len, &why);
      if (why == 0) { skip_poll = true; continue; }
      pthread_mutex_lock(&p->mu);
      relay_append(p, buf + n, len - n);
      p->direct_ended = true;
      p->direct_errno = why;
      pthread_mutex_unlock(&p->mu);
      close(fd); fd = -1; free(path); path = NULL;
      atomic_store(&p->direct, false);
    } else {
      pthread_mutex_lock(&p->mu);
      if (!relay_append(p, buf, len)) { end = true; end_errno = ENOMEM; }
      pthread_mutex_unlock(&p->mu);
    }
    uv_async_send(&p->async);
  }
  if (fd >= 0) close(fd);
  free(path);
  free(buf);
  pthread_mutex_lock(&p->mu);
  if (p->set_file) {
    /* A log fd that arrived after the last read: unused; the relayed bytes go to JS. */
    close(p->new_fd);
    free(p->new_path);
    p->new_fd = -1;
    p->new_path = NULL;
    p->set_file = false;
  }
  p->ended = end;
  p->end_errno = end_errno;
  p->thread_done = true;
  uv_async_send(&p->async);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static void on_closed(uv_handle_t *h) {
  pump *p = h->data;
  p->async_closed = true;
  if (p->js_released) free_pump(p);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  pump *p = data;
  p->js_released = true;
  if (p->async_closed) free_pump(p);
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
  /* While a log fd waits for the thread, relayed bytes stay: the thread writes them before newer ones. */
  if (p->relay_len > 0 && (!p->set_file || p->thread_done)) {
    void *data;
    napi_create_buffer_copy(env, p->relay_len, p->relay, &data, &v);
    napi_set_named_property(env, ev, "data", v);
    p->relay_len = 0;
    if (p->relay_cap > 4 * BATCH) { free(p->relay); p->relay = NULL; p->relay_cap = 0; }
  }
  if (p->direct_ended) {
    set_int(env, ev, "directEnded", p->direct_errno);
    p->direct_ended = false;
  }
  bool done = p->thread_done;
  if (done) {
    napi_get_boolean(env, p->ended, &v);
    napi_set_named_property(env, ev, "end", v);
    set_int(env, ev, "endErrno", p->end_errno);
  }
  if (p->waiting_room && !p->paused) wake(p);
  if (done && p->wakefd >= 0) {
    /* The thread is gone: release its eventfd now rather than when the JS handle is collected. */
    close(p->wakefd);
    p->wakefd = -1;
  }
  pthread_mutex_unlock(&p->mu);
  set_int(env, ev, "written", (int64_t)atomic_load(&p->written));
  napi_value cb, recv, result;
  if (p->cb && napi_get_reference_value(env, p->cb, &cb) == napi_ok && cb) {
    napi_get_global(env, &recv);
    if (napi_make_callback(env, p->actx, recv, cb, 1, &ev, &result) == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
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
  p->env = env;
  p->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (p->wakefd < 0) { int e = errno; free(p); return throw_syscall(env, "eventfd", e); }
  pthread_mutex_init(&p->mu, NULL);
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
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t th;
  int rc = pthread_create(&th, &attr, pump_main, p);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    /* Report it as a thread that ended at once with the error; JS falls back to reading itself. */
    p->thread_done = true;
    p->end_errno = rc;
    uv_async_send(&p->async);
  }
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
  if (p->thread_done) {
    /* Nothing will read again: keep no copy of the log fd. */
    close(dup);
    free(path);
  } else {
    if (p->new_fd >= 0) close(p->new_fd);
    free(p->new_path);
    p->new_fd = dup;
    p->new_path = path;
    p->set_file = true;
    wake(p);
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
  wake(p);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static void do_clear(pump *p, bool f) { (void)f; p->clear_file = true; }
static void do_pause(pump *p, bool f) { p->paused = f; }
static void do_abandon(pump *p, bool f) {
  (void)f;
  p->abandoned = true;
  /* The thread may be stuck in a write for good: it must not keep the loop alive. */
  if (!p->async_closed) uv_unref((uv_handle_t *)&p->async);
}

/* pumpClearFile(handle): stop writing directly (bytes are relayed again). */
static napi_value js_pump_clear_file(napi_env env, napi_callback_info info) { return with_pump(env, info, do_clear, false); }
/* pumpPause(handle, bool): stop (or resume) reading while relaying. */
static napi_value js_pump_pause(napi_env env, napi_callback_info info) { return with_pump(env, info, do_pause, true); }
/* pumpAbandon(handle): on return the thread reads the master no more; it ends after any write in progress. */
static napi_value js_pump_abandon(napi_env env, napi_callback_info info) { return with_pump(env, info, do_abandon, false); }

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
  set_int(env, r, "busyMs", since ? now_ms() - since : 0);
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
  set_fn(env, exports, "pumpStatus", js_pump_status);
}
