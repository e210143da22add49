/* The log pump thread: reads a pty master in batches and writes to the log or relays to JS (see logpump.h). */
#include "logpump.h"

int64_t pump_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wakes the thread (caller holds mu); a no-op once the thread has finished and its eventfd is closed. */
void pump_wake(pump *p) {
  if (p->wakefd < 0) return;
  uint64_t one = 1;
  ssize_t r = write(p->wakefd, &one, sizeof one);
  (void)r;
}

void pump_free(pump *p) {
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->readmu);
  if (p->wakefd >= 0) close(p->wakefd);
  free(p->relay);
  free(p->new_path);
  if (p->new_fd >= 0) close(p->new_fd);
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

/* Writes buf to fd if path still names the file fd is open on. Returns bytes written; *why is
 * 0 when all were written, -1 when the file was renamed or deleted, else the write's errno. */
static size_t write_direct(pump *p, int fd, const char *path, dev_t dev, ino_t ino, const char *buf, size_t len, int *why) {
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
  if (stat(path, &st) != 0 || st.st_dev != dev || st.st_ino != ino) *why = -1;
  while (*why == 0 && off < len) {
    ssize_t n = write(fd, buf + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { *why = n < 0 ? errno : ENOSPC; break; }
    off += (size_t)n;
    atomic_fetch_add(&p->written, (uint64_t)n);
  }
  atomic_store(&p->last_write_ms, pump_now_ms());
  atomic_store(&p->busy_since_ms, 0);
  return off;
}

void *pump_main(void *arg) {
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
    if (atomic_load(&p->abandoned)) { pthread_mutex_unlock(&p->mu); break; }
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
        pump_relay_append(p, pending + n, pending_len - n);
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
     * something was read, all of it (a pty read returns at most 4 KiB): a read of an empty pty
     * master waits for the tty layer's flush work (a context switch per ~4 KiB), whereas writing
     * what we have lets that work run meanwhile, and one write per batch, not per read, keeps the
     * stat and write calls few.
     * The first read after a poll is a plain one: it pulls pending input and sees the end.
     */
    bool ask = fd >= 0 && !after_poll;
    size_t len = 0;
    pthread_mutex_lock(&p->readmu);
    if (atomic_load(&p->abandoned)) { pthread_mutex_unlock(&p->readmu); break; }
    while (len < BATCH) {
      if (ask) {
        int avail = 0;
        if (ioctl(p->master, FIONREAD, &avail) == 0 && avail <= 0) break;
      }
      ssize_t n = read(p->master, buf + len, BATCH - len);
      if (n > 0) {
        /* Drain what the line discipline holds (up to BATCH) before one stat and one write. */
        len += (size_t)n;
        ask = fd >= 0;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      end = true; /* 0 or EIO: every slave fd is closed and everything was read */
      end_errno = (n == 0 || errno == EIO) ? 0 : errno;
      break;
    }
    pthread_mutex_unlock(&p->readmu);
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
      pump_relay_append(p, buf + n, len - n);
      p->direct_ended = true;
      p->direct_errno = why;
      pthread_mutex_unlock(&p->mu);
      close(fd); fd = -1; free(path); path = NULL;
      atomic_store(&p->direct, false);
    } else {
      pthread_mutex_lock(&p->mu);
      if (!pump_relay_append(p, buf, len)) { end = true; end_errno = ENOMEM; }
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
