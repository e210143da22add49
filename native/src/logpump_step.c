/* One log pump's step on the pool thread: take state changes, read a batch from the pty, write it to the log or relay it. */
#include "logpump.h"

int64_t pump_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pump_free(pump *p) {
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->readmu);
  free(p->relay);
  free(p->new_path);
  if (p->new_fd >= 0) close(p->new_fd);
  free(p->path);
  if (p->fd >= 0) close(p->fd);
  free(p);
}

/* Appends to the relay buffer (caller holds mu). Returns false when out of memory. */
bool pump_relay_append(pump *p, const char *buf, size_t len) {
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

static void drop_file(pump *p) {
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
  free(p->path);
  p->path = NULL;
  atomic_store(&p->direct, false);
}

/* Writes buf to the log fd if its path still names the file the fd is open on. Returns bytes written;
 * *why is 0 when all were written, -1 when the file was renamed or deleted, else the write's errno. */
static size_t write_direct(pump_loop *L, pump *p, const char *buf, size_t len, int *why) {
  size_t off = 0;
  struct stat st;
  *why = 0;
  int64_t now = pump_now_ms();
  /* Writing again after a quiet spell: JS watches writes for a hang only while some happen (no timer while idle). */
  if (now - atomic_load(&p->last_write_ms) >= ACTIVE_GAP_MS) {
    pthread_mutex_lock(&p->mu);
    p->went_active = true;
    pthread_mutex_unlock(&p->mu);
    uv_async_send(&p->async);
  }
  atomic_store(&p->busy_since_ms, now);
  pool_write_begin(L, p);
  if (stat(p->path, &st) != 0 || st.st_dev != p->dev || st.st_ino != p->ino) *why = -1;
  while (*why == 0 && off < len) {
    ssize_t n = write(p->fd, buf + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { *why = n < 0 ? errno : ENOSPC; break; }
    off += (size_t)n;
    atomic_fetch_add(&p->written, (uint64_t)n);
  }
  pool_write_end(L);
  atomic_store(&p->last_write_ms, pump_now_ms());
  atomic_store(&p->busy_since_ms, 0);
  return off;
}

/* A direct write stopped short: the rest goes back to the relay (nothing was relayed meanwhile: we were not reading). */
static void direct_failed(pump *p, const char *rest, size_t rest_len, int why) {
  pthread_mutex_lock(&p->mu);
  pump_relay_append(p, rest, rest_len);
  p->direct_ended = true;
  p->direct_errno = why;
  pthread_mutex_unlock(&p->mu);
  drop_file(p);
}

/*
 * Takes what JS asked for (a log fd, clearing it, pausing, abandoning). Returns 1 to go on, 0 when the pump
 * must wait (paused, or the relay is full), -1 when it was finished. A relay left over when a log fd arrives
 * is written first, before anything newer is read.
 */
static int take_state(pump_loop *L, pump *p) {
  for (;;) {
    char *pending = NULL;
    size_t pending_len = 0;
    pthread_mutex_lock(&p->mu);
    if (atomic_load(&p->abandoned)) { pthread_mutex_unlock(&p->mu); pool_finish(L, p, false, 0); return -1; }
    if ((p->clear_file || p->set_file) && p->fd >= 0) drop_file(p);
    p->clear_file = false;
    if (p->set_file) {
      struct stat st;
      p->set_file = false;
      if (fstat(p->new_fd, &st) == 0) {
        p->fd = p->new_fd;
        p->path = p->new_path;
        p->dev = st.st_dev;
        p->ino = st.st_ino;
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
    atomic_store(&p->direct, p->fd >= 0);
    bool wait_room = p->fd < 0 && (p->paused || p->relay_len >= RELAY_MAX);
    p->waiting_room = wait_room;
    pthread_mutex_unlock(&p->mu);
    if (!pending) return wait_room ? 0 : 1;
    int why;
    size_t n = write_direct(L, p, pending, pending_len, &why);
    if (why != 0) {
      direct_failed(p, pending + n, pending_len - n, why);
      uv_async_send(&p->async);
    }
    free(pending);
    if (L->retired) return 0;
  }
}

/*
 * Reads what the pty has into L->buf. While writing directly, after the first read only what the line
 * discipline already holds (FIONREAD) is read, all of it (a pty read returns at most 4 KiB): a read of an
 * empty pty master waits for the tty layer's flush work (a context switch per ~4 KiB), whereas writing
 * what we have lets that work run meanwhile, and one write per batch, not per read, keeps the stat and
 * write calls few. `ask`: ask FIONREAD before the first read too (right after a write, not after a wake-up:
 * the first read after one is a plain one, it pulls pending input and sees the end).
 * Returns -1 if the pump was abandoned (nothing read), else the bytes read; *end at EOF (or a read error).
 */
static ssize_t read_batch(pump_loop *L, pump *p, bool ask, bool *end, int *end_errno) {
  size_t len = 0;
  pthread_mutex_lock(&p->readmu);
  if (atomic_load(&p->abandoned)) { pthread_mutex_unlock(&p->readmu); return -1; }
  while (len < BATCH) {
    if (ask) {
      int avail = 0;
      if (ioctl(p->master, FIONREAD, &avail) == 0 && avail <= 0) break;
    }
    ssize_t n = read(p->master, L->buf + len, BATCH - len);
    if (n > 0) {
      /* Drain what the line discipline holds (up to BATCH) before one stat and one write. */
      len += (size_t)n;
      ask = p->fd >= 0;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    *end = true; /* 0 or EIO: every slave fd is closed and everything was read */
    *end_errno = (n == 0 || errno == EIO) ? 0 : errno;
    break;
  }
  pthread_mutex_unlock(&p->readmu);
  return (ssize_t)len;
}

bool pump_step(pump_loop *L, pump *p, int why, uint32_t revents) {
  /* After a wake-up for the master (or a hang-up retry) read at once; after a state change only if it is readable. */
  bool read_now = why != STEP_CONTROL;
  bool ask = false;
  bool hup = (revents & EPOLLHUP) != 0 || why == STEP_HUP_RETRY;
  /* A state change while a hang-up is being retried: this step is the retry (the pump leaves every shared list). */
  if (p->in_hup) {
    pool_hup_cancel(L, p);
    read_now = hup = true;
  }
  for (int rounds = 0;; rounds++) {
    int st = take_state(L, p);
    if (st < 0) return true;
    if (st == 0 || L->retired) return false; /* a resume (or room in the relay) queues the pump again */
    if (!read_now) {
      /* A hang-up being retried keeps its timer; otherwise wait for the master to be readable. */
      if (!p->in_hup) pool_arm(L, p);
      return false;
    }
    bool end = false;
    int end_errno = 0;
    ssize_t got = read_batch(L, p, ask, &end, &end_errno);
    if (got < 0) { pool_finish(L, p, false, 0); return true; }
    size_t len = (size_t)got;
    if (len == 0 && !end) {
      /* A hang-up with nothing readable yet: the kernel may still be handing bytes over. */
      if (hup || p->hup_tries > 0) {
        if (++p->hup_tries <= HUP_RETRIES) { pool_hup_later(L, p); return false; }
        end = true;
      } else {
        /* Nothing (more) there: wait for the master. */
        read_now = false;
        continue;
      }
    }
    if (p->in_hup) pool_hup_cancel(L, p);
    if (len > 0) p->hup_tries = 0;
    hup = false;
    if (len == 0) { pool_finish(L, p, true, end_errno); return true; }
    if (p->fd >= 0) {
      int werr;
      size_t n = write_direct(L, p, L->buf, len, &werr);
      if (werr != 0) {
        direct_failed(p, L->buf + n, len - n, werr);
        uv_async_send(&p->async);
        read_now = false;
      } else {
        /* Right after a direct write the pty has usually refilled: read again (what it holds) before waiting. */
        read_now = rounds + 1 < ROUNDS_MAX;
        ask = true;
      }
    } else {
      pthread_mutex_lock(&p->mu);
      if (!pump_relay_append(p, L->buf, len)) { end = true; end_errno = ENOMEM; }
      pthread_mutex_unlock(&p->mu);
      uv_async_send(&p->async);
      read_now = false;
    }
    /* Retired (the write outlasted STUCK_MS): the serving thread takes the pump back and sees the end itself. */
    if (L->retired) return false;
    if (end) { pool_finish(L, p, true, end_errno); return true; }
  }
}
