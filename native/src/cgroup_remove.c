/* cgroupRemove(dir): job cgroup directories removed on a remover thread, never racing a new mkdir of the same path. */
#include "common.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Why a thread: a cgroup rmdir is expensive in the kernel (the css goes offline), 0.04 ms and more on
 * the JS thread at every instance's end. Here the JS thread only queues the path. The order against a
 * new spawn of the same instance (its name, hence its path, is the same): whoever is about to make
 * and join that directory first waits while a removal of it is queued or running
 * (cgroup_removal_wait), so the removal never undoes the new mkdir. A removal that fails for another
 * reason than ENOENT (EBUSY: processes are still in it) is reported to the callback, in batches.
 */

typedef struct removal {
  struct removal *next;
  int err;
  char path[];
} removal;

typedef struct cgroup_remover {
  pthread_mutex_t mu;
  pthread_cond_t work;  /* a removal was queued, or stopping */
  pthread_cond_t ended; /* a removal ended */
  removal *queue, *tail, *current;
  removal *failed, *failed_tail; /* for the JS thread */
  bool started, stopping;
  pthread_t thread;
  uv_async_t async;
  napi_env env;
  napi_ref callback;
  napi_async_context actx;
} cgroup_remover;

/* Whether Q is PATH or lies under it. */
static bool within(const removal *q, const char *path, size_t len) {
  return strncmp(q->path, path, len) == 0 && (q->path[len] == '\0' || q->path[len] == '/');
}

static bool busy_with(const cgroup_remover *r, const char *path) {
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/') len--;
  if (r->current && within(r->current, path, len)) return true;
  for (const removal *q = r->queue; q; q = q->next) if (within(q, path, len)) return true;
  return false;
}

void cgroup_removal_wait(cgroup_remover *r, const char *path) {
  if (!r) return;
  pthread_mutex_lock(&r->mu);
  while (busy_with(r, path)) pthread_cond_wait(&r->ended, &r->mu);
  pthread_mutex_unlock(&r->mu);
}

static void *remover_main(void *arg) {
  cgroup_remover *r = arg;
  pthread_mutex_lock(&r->mu);
  for (;;) {
    while (!r->queue && !r->stopping) pthread_cond_wait(&r->work, &r->mu);
    if (!r->queue) break;
    removal *q = r->queue;
    r->queue = q->next;
    if (!r->queue) r->tail = NULL;
    r->current = q;
    pthread_mutex_unlock(&r->mu);
    q->err = rmdir(q->path) == 0 || errno == ENOENT ? 0 : errno;
    pthread_mutex_lock(&r->mu);
    r->current = NULL;
    pthread_cond_broadcast(&r->ended);
    if (q->err) {
      q->next = NULL;
      if (r->failed_tail) r->failed_tail->next = q; else r->failed = q;
      r->failed_tail = q;
      uv_async_send(&r->async);
    } else {
      free(q);
    }
  }
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

/* On the JS thread: the failed removals as [dir, errno] pairs. */
static void on_failed(uv_async_t *h) {
  cgroup_remover *r = h->data;
  pthread_mutex_lock(&r->mu);
  removal *list = r->failed;
  r->failed = r->failed_tail = NULL;
  pthread_mutex_unlock(&r->mu);
  napi_env env = r->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t n = 0;
  while (list) {
    removal *q = list;
    list = q->next;
    napi_value pair, path;
    napi_create_array(env, &pair);
    napi_create_string_utf8(env, q->path, NAPI_AUTO_LENGTH, &path);
    napi_set_element(env, pair, 0, path);
    napi_set_element(env, pair, 1, make_int(env, q->err));
    napi_set_element(env, arr, n++, pair);
    free(q);
  }
  if (n > 0 && r->callback) call_back(env, r->callback, r->actx, arr);
  napi_close_handle_scope(env, scope);
}

static cgroup_remover *remover_of(napi_env env) {
  addon_state *st = state_of(env);
  if (st->removers) return st->removers;
  cgroup_remover *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->work, NULL);
  pthread_cond_init(&r->ended, NULL);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_async_init(loop, &r->async, on_failed);
  r->async.data = r;
  /* A failure report is advisory: it never keeps the loop alive. */
  uv_unref((uv_handle_t *)&r->async);
  r->env = env;
  napi_value name;
  napi_create_string_utf8(env, "upstart:cgroupRemove", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &r->actx);
  st->removers = r;
  return r;
}

static void remover_closed(uv_handle_t *h) {
  cgroup_remover *r = h->data;
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->work);
  pthread_cond_destroy(&r->ended);
  free(r);
}

/* With the addon instance (after the spawner threads ended): the queue is finished, then the thread ends. */
void cgroup_remover_free(cgroup_remover *r) {
  pthread_mutex_lock(&r->mu);
  r->stopping = true;
  pthread_cond_broadcast(&r->work);
  pthread_mutex_unlock(&r->mu);
  if (r->started) pthread_join(r->thread, NULL);
  while (r->failed) { removal *q = r->failed; r->failed = q->next; free(q); }
  if (r->callback) napi_delete_reference(r->env, r->callback);
  napi_async_destroy(r->env, r->actx);
  uv_close((uv_handle_t *)&r->async, remover_closed);
}

/* cgroupRemove([dir, ...]): queued, in order, under one lock; true. Without a thread (none could be made) the rmdirs are done here, and false. */
static napi_value js_cgroup_remove(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1) return throw_type(env, "cgroupRemove takes an array of directories");
  char **paths = arg_string_array(env, arg, "dirs");
  if (!paths) return NULL;
  cgroup_remover *r = remover_of(env);
  if (!r) { free_string_array(paths); return throw_syscall(env, "calloc", ENOMEM); }
  removal *head = NULL, *tail = NULL;
  for (char **p = paths; *p; p++) {
    size_t len = strlen(*p);
    removal *q = malloc(sizeof *q + len + 1);
    if (!q) {
      while (head) { removal *n = head->next; free(head); head = n; }
      free_string_array(paths);
      return throw_syscall(env, "malloc", ENOMEM);
    }
    memcpy(q->path, *p, len + 1);
    q->next = NULL;
    q->err = 0;
    if (tail) tail->next = q; else head = q;
    tail = q;
  }
  free_string_array(paths);
  napi_value out;
  pthread_mutex_lock(&r->mu);
  if (!r->started) {
    r->started = start_blocked_thread(&r->thread, 64 * 1024, remover_main, r) == 0;
  }
  if (r->started) {
    if (head) {
      if (r->tail) r->tail->next = head; else r->queue = head;
      r->tail = tail;
      pthread_cond_signal(&r->work);
    }
    pthread_mutex_unlock(&r->mu);
    napi_get_boolean(env, true, &out);
    return out;
  }
  pthread_mutex_unlock(&r->mu);
  int e = 0;
  while (head) {
    removal *n = head->next;
    if (rmdir(head->path) < 0 && errno != ENOENT && !e) e = errno;
    free(head);
    head = n;
  }
  if (e) return throw_syscall(env, "rmdir", e);
  napi_get_boolean(env, false, &out);
  return out;
}

/* cgroupSettle(dir): returns once no removal of DIR or of a directory under it is queued or running. */
static napi_value js_cgroup_settle(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1) return throw_type(env, "cgroupSettle takes a directory");
  char *path = arg_string(env, arg, "dir");
  if (!path) return NULL;
  cgroup_removal_wait(state_of(env)->removers, path);
  free(path);
  return NULL;
}

/* cgroupRemoveFailures(callback | null): where the removals that failed go, as [[dir, errno], ...]. */
static napi_value js_cgroup_remove_failures(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value cb;
  napi_get_cb_info(env, info, &argc, &cb, NULL, NULL);
  cgroup_remover *r = remover_of(env);
  if (!r) return throw_syscall(env, "calloc", ENOMEM);
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, cb, &t);
  if (t != napi_function && t != napi_null && t != napi_undefined) return throw_type(env, "cgroupRemoveFailures takes a callback or null");
  if (r->callback) { napi_delete_reference(env, r->callback); r->callback = NULL; }
  if (t == napi_function) napi_create_reference(env, cb, 1, &r->callback);
  return NULL;
}

void register_cgroup_remove(napi_env env, napi_value exports) {
  set_fn(env, exports, "cgroupRemove", js_cgroup_remove);
  set_fn(env, exports, "cgroupSettle", js_cgroup_settle);
  set_fn(env, exports, "cgroupRemoveFailures", js_cgroup_remove_failures);
}
