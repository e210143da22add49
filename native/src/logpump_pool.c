/* The log pumps' pool: one epoll loop thread for every pty master, a watchdog that replaces it while a write hangs. */
#include "logpump.h"

typedef struct pump_pool {
  pthread_mutex_t mu;
  pthread_cond_t dog_cv; /* the watchdog waits on it (CLOCK_MONOTONIC) */
  int epfd, wakefd;
  int refs; /* threads alive, plus one while the addon instance holds the pool */
  bool quit;
  /* under mu */
  pump *queue_head, *queue_tail; /* pumps whose state JS changed, in the order it did */
  unsigned gen;                  /* the generation of the thread that serves the pool now */
  pump *writing;                 /* the pump the serving thread is writing for (NULL: none) */
  uint64_t write_seq;
  bool dog_idle;
  /* the serving thread's */
  pump *hup_head, *hup_tail; /* hang-ups retried every HUP_RETRY_MS, due times in order */
} pump_pool;

static void pool_unref(pump_pool *pool) {
  pthread_mutex_lock(&pool->mu);
  bool last = --pool->refs == 0;
  pthread_mutex_unlock(&pool->mu);
  if (!last) return;
  close(pool->epfd);
  close(pool->wakefd);
  pthread_cond_destroy(&pool->dog_cv);
  pthread_mutex_destroy(&pool->mu);
  free(pool);
}

static void signal_wakefd(pump_pool *pool) {
  uint64_t one = 1;
  ssize_t r = write(pool->wakefd, &one, sizeof one);
  (void)r;
}

void pump_wake(pump *p) {
  if (p->done) return;
  pump_pool *pool = p->pool;
  pthread_mutex_lock(&pool->mu);
  bool was_empty = pool->queue_head == NULL;
  if (!p->queued) {
    p->queued = true;
    p->queue_next = NULL;
    if (pool->queue_tail) pool->queue_tail->queue_next = p;
    else pool->queue_head = p;
    pool->queue_tail = p;
  }
  pthread_mutex_unlock(&pool->mu);
  if (was_empty) signal_wakefd(pool);
}

/* The next queued pump that is not solo (caller holds mu); a solo pump is queued again when it is handed back. */
static pump *queue_pop(pump_pool *pool) {
  while (pool->queue_head) {
    pump *p = pool->queue_head;
    pool->queue_head = p->queue_next;
    if (!pool->queue_head) pool->queue_tail = NULL;
    p->queued = false;
    p->queue_next = NULL;
    if (!p->solo) return p;
  }
  return NULL;
}

static void queue_unlink(pump_pool *pool, pump *p) {
  pump *prev = NULL;
  for (pump *q = pool->queue_head; q; prev = q, q = q->queue_next) {
    if (q != p) continue;
    if (prev) prev->queue_next = q->queue_next;
    else pool->queue_head = q->queue_next;
    if (pool->queue_tail == q) pool->queue_tail = prev;
    break;
  }
  p->queued = false;
}

void pool_forget(pump *p) {
  if (p->registered) epoll_ctl(p->pool->epfd, EPOLL_CTL_DEL, p->master, NULL);
  p->registered = false;
}

void pool_arm(pump_loop *L, pump *p) {
  if (p->armed) return;
  int err = 0;
  pthread_mutex_lock(&p->readmu);
  if (!atomic_load(&p->abandoned)) {
    struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.ptr = p };
    int rc = epoll_ctl(L->pool->epfd, p->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, p->master, &ev);
    /* A registration left by an earlier pump on the same master (kept across a failed re-exec): take it over. */
    if (rc != 0 && errno == EEXIST) rc = epoll_ctl(L->pool->epfd, EPOLL_CTL_MOD, p->master, &ev);
    if (rc == 0) p->registered = p->armed = true;
    else err = errno;
  }
  pthread_mutex_unlock(&p->readmu);
  /* The master cannot be waited for: JS reads it on the event loop instead. Abandoned: the next step finishes it. */
  if (err) pool_finish(L, p, false, err);
}

void pool_hup_later(pump_loop *L, pump *p) {
  pump_pool *pool = L->pool;
  p->in_hup = true;
  p->hup_due_ms = pump_now_ms() + HUP_RETRY_MS;
  p->hup_next = NULL;
  p->hup_prev = pool->hup_tail;
  if (pool->hup_tail) pool->hup_tail->hup_next = p;
  else pool->hup_head = p;
  pool->hup_tail = p;
}

void pool_hup_cancel(pump_loop *L, pump *p) {
  pump_pool *pool = L->pool;
  if (!p->in_hup) return;
  if (p->hup_prev) p->hup_prev->hup_next = p->hup_next;
  else pool->hup_head = p->hup_next;
  if (p->hup_next) p->hup_next->hup_prev = p->hup_prev;
  else pool->hup_tail = p->hup_prev;
  p->hup_next = p->hup_prev = NULL;
  p->in_hup = false;
}

void pool_write_begin(pump_loop *L, pump *p) {
  pump_pool *pool = L->pool;
  pthread_mutex_lock(&pool->mu);
  if (pool->gen == L->gen) {
    pool->writing = p;
    pool->write_seq++;
    if (pool->dog_idle) pthread_cond_signal(&pool->dog_cv);
  }
  pthread_mutex_unlock(&pool->mu);
}

void pool_write_end(pump_loop *L) {
  pump_pool *pool = L->pool;
  pthread_mutex_lock(&pool->mu);
  if (pool->gen == L->gen) pool->writing = NULL;
  else L->retired = true;
  pthread_mutex_unlock(&pool->mu);
}

void pool_finish(pump_loop *L, pump *p, bool ended, int end_errno) {
  pump_pool *pool = L->pool;
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
  free(p->path);
  p->path = NULL;
  atomic_store(&p->direct, false);
  pool_hup_cancel(L, p);
  /* Abandoned: pumpAbandon removed the registration itself, and JS may have closed the master since. */
  pthread_mutex_lock(&p->readmu);
  if (!atomic_load(&p->abandoned)) pool_forget(p);
  pthread_mutex_unlock(&p->readmu);
  pthread_mutex_lock(&p->mu);
  if (p->set_file) {
    /* A log fd that arrived after the last read: unused; the relayed bytes go to JS. */
    close(p->new_fd);
    free(p->new_path);
    p->new_fd = -1;
    p->new_path = NULL;
    p->set_file = false;
  }
  p->ended = ended;
  p->end_errno = end_errno;
  p->done = true;
  pthread_mutex_lock(&pool->mu);
  if (p->queued) queue_unlink(pool, p);
  pthread_mutex_unlock(&pool->mu);
  uv_async_send(&p->async);
  pthread_mutex_unlock(&p->mu);
}

static void *loop_main(void *arg);

/* Starts a loop thread of generation gen (caller holds mu). */
static int start_loop(pump_pool *pool, unsigned gen) {
  pump_loop *L = calloc(1, sizeof *L);
  char *buf = malloc(BATCH);
  if (!L || !buf) { free(L); free(buf); return ENOMEM; }
  L->pool = pool;
  L->gen = gen;
  L->buf = buf;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t th;
  int rc = pthread_create(&th, &attr, loop_main, L);
  pthread_attr_destroy(&attr);
  if (rc != 0) { free(buf); free(L); return rc; }
  pool->refs++;
  return 0;
}

/* A retired thread's pump goes back to the serving thread, which looks at its state again. */
bool pool_register(pump *p) {
  pthread_mutex_lock(&p->readmu);
  /* Set first: the loop thread may see the master readable before epoll_ctl returns. */
  p->registered = p->armed = true;
  struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.ptr = p };
  bool ok = epoll_ctl(p->pool->epfd, EPOLL_CTL_ADD, p->master, &ev) == 0;
  if (!ok) p->registered = p->armed = false;
  pthread_mutex_unlock(&p->readmu);
  return ok;
}

static void hand_back(pump_pool *pool, pump *p) {
  pthread_mutex_lock(&pool->mu);
  p->solo = false;
  pthread_mutex_unlock(&pool->mu);
  pthread_mutex_lock(&p->mu);
  pump_wake(p);
  pthread_mutex_unlock(&p->mu);
}

static void *loop_main(void *arg) {
  pump_loop *L = arg;
  pump_pool *pool = L->pool;
  for (;;) {
    pthread_mutex_lock(&pool->mu);
    bool quit = pool->quit;
    pump *p = quit ? NULL : queue_pop(pool);
    pthread_mutex_unlock(&pool->mu);
    if (quit) break;
    bool finished = false;
    if (p) {
      finished = pump_step(L, p, STEP_CONTROL, 0);
    } else if (pool->hup_head && pool->hup_head->hup_due_ms <= pump_now_ms()) {
      p = pool->hup_head;
      pool_hup_cancel(L, p);
      finished = pump_step(L, p, STEP_HUP_RETRY, 0);
    } else {
      int timeout = -1;
      if (pool->hup_head) {
        int64_t left = pool->hup_head->hup_due_ms - pump_now_ms();
        timeout = left < 0 ? 0 : (int)left;
      }
      struct epoll_event ev;
      int n = epoll_wait(pool->epfd, &ev, 1, timeout);
      if (n < 0 && errno != EINTR) {
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL);
      }
      if (n != 1) continue;
      if (ev.data.ptr == pool) {
        uint64_t v;
        ssize_t r = read(pool->wakefd, &v, sizeof v);
        (void)r;
        continue;
      }
      p = ev.data.ptr;
      p->armed = false;
      /* A solo pump is its retired thread's until handed back (which queues it): the event is dropped, the step re-arms. */
      pthread_mutex_lock(&pool->mu);
      bool solo = p->solo;
      pthread_mutex_unlock(&pool->mu);
      if (solo) continue;
      finished = pump_step(L, p, STEP_READABLE, ev.events);
    }
    /* A write of ours outlasted STUCK_MS: another thread serves the pool now; this one gives its pump back and goes. */
    if (L->retired) {
      if (!finished) hand_back(pool, p);
      break;
    }
  }
  free(L->buf);
  free(L);
  pool_unref(pool);
  return NULL;
}

/* While the serving thread writes, checks every STUCK_MS that it is not the same write; if it is, starts another thread. */
static void *watchdog_main(void *arg) {
  pump_pool *pool = arg;
  pthread_mutex_lock(&pool->mu);
  while (!pool->quit) {
    if (!pool->writing) {
      pool->dog_idle = true;
      pthread_cond_wait(&pool->dog_cv, &pool->mu);
      pool->dog_idle = false;
      continue;
    }
    uint64_t seq = pool->write_seq;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += (STUCK_MS % 1000) * 1000000L;
    until.tv_sec += STUCK_MS / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    int rc = 0;
    while (!pool->quit && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&pool->dog_cv, &pool->mu, &until);
    if (pool->quit || !pool->writing || pool->write_seq != seq) continue;
    /* The same write for STUCK_MS: its thread keeps that pump (solo) and retires; a new one serves the rest. */
    pump *stuck = pool->writing;
    stuck->solo = true;
    pool->writing = NULL;
    if (start_loop(pool, pool->gen + 1) == 0) pool->gen++;
    else stuck->solo = false; /* no thread to spare: the stuck one stays the server */
  }
  pthread_mutex_unlock(&pool->mu);
  pool_unref(pool);
  return NULL;
}

static pump_pool *pool_new(int *err) {
  pump_pool *pool = calloc(1, sizeof *pool);
  if (!pool) { *err = ENOMEM; return NULL; }
  pool->epfd = epoll_create1(EPOLL_CLOEXEC);
  pool->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = pool };
  if (pool->epfd < 0 || pool->wakefd < 0 || epoll_ctl(pool->epfd, EPOLL_CTL_ADD, pool->wakefd, &ev) != 0) {
    *err = errno;
    if (pool->epfd >= 0) close(pool->epfd);
    if (pool->wakefd >= 0) close(pool->wakefd);
    free(pool);
    return NULL;
  }
  pthread_mutex_init(&pool->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&pool->dog_cv, &ca);
  pthread_condattr_destroy(&ca);
  pool->refs = 1;
  pthread_mutex_lock(&pool->mu);
  int rc = start_loop(pool, 0);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t th;
  /* Without a watchdog the pool still works; a hung write then holds every pump until JS abandons it. */
  if (rc == 0 && pthread_create(&th, &attr, watchdog_main, pool) == 0) pool->refs++;
  pthread_attr_destroy(&attr);
  pthread_mutex_unlock(&pool->mu);
  if (rc != 0) {
    *err = rc;
    pool_unref(pool);
    return NULL;
  }
  return pool;
}

pump_pool *pool_get(napi_env env, int *err) {
  addon_state *st = state_of(env);
  if (!st) { *err = EINVAL; return NULL; }
  if (!st->pumps) st->pumps = pool_new(err);
  return st->pumps;
}

void pool_release(pump_pool *pool) {
  pthread_mutex_lock(&pool->mu);
  pool->quit = true;
  pthread_cond_signal(&pool->dog_cv);
  pthread_mutex_unlock(&pool->mu);
  signal_wakefd(pool);
  pool_unref(pool);
}
